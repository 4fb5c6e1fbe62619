package dev.tokenmix.train.data;

import dev.tokenmix.models.InputConfig;
import java.awt.image.BufferedImage;
import java.util.random.RandomGenerator;

/**
 * Turns one decoded image into the network's input: a normalised {@code [3, size, size]} float array, row-major
 * (timm's per-sample transform, from the PIL image to the normalised tensor). The train transform
 * ({@link dev.tokenmix.train.data.augment.TrainTransform}) draws all its randomness from {@code rng}; the eval
 * transform ignores it. Implementations must be safe to call from several threads at once.
 */
public interface SampleTransform {

    /** The output side in pixels. */
    int size();

    /** The normalised {@code [3, size, size]} array of {@code img}. */
    float[] apply(BufferedImage img, RandomGenerator rng);

    /** timm's eval transform of a variant: resize to {@code size / cropPct}, centre crop, normalise. */
    static SampleTransform eval(InputConfig cfg, int size) {
        EvalTransform t = new EvalTransform(cfg, size);
        return new SampleTransform() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public float[] apply(BufferedImage img, RandomGenerator rng) {
                return t.toChw(img);
            }
        };
    }
}
