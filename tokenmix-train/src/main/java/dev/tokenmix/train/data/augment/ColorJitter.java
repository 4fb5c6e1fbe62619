package dev.tokenmix.train.data.augment;

import java.util.random.RandomGenerator;

/**
 * torchvision's {@code ColorJitter} as timm's train transform uses it ({@code --color-jitter 0.4}): brightness,
 * contrast and saturation factors drawn uniformly in {@code [max(0, 1 - s), 1 + s]} and applied in a random
 * order, each as Pillow's {@code ImageEnhance}. Hue jitter is not supported (timm leaves it at 0).
 */
public final class ColorJitter {
    private final double brightness;
    private final double contrast;
    private final double saturation;

    /** Strengths of each jitter; 0 turns one off. */
    public ColorJitter(double brightness, double contrast, double saturation) {
        if (!(brightness >= 0) || !(contrast >= 0) || !(saturation >= 0)) {
            throw new IllegalArgumentException("colour jitter strengths must be >= 0, got " + brightness + ", "
                    + contrast + ", " + saturation);
        }
        this.brightness = brightness;
        this.contrast = contrast;
        this.saturation = saturation;
    }

    /** The same strength for brightness, contrast and saturation (timm's single {@code --color-jitter} value). */
    public static ColorJitter of(double strength) {
        return new ColorJitter(strength, strength, strength);
    }

    /** A jittered copy. */
    public RgbImage apply(RgbImage img, RandomGenerator rng) {
        int[] order = {0, 1, 2};
        for (int i = 2; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double fb = factor(brightness, rng);
        double fc = factor(contrast, rng);
        double fs = factor(saturation, rng);
        RgbImage out = img;
        for (int op : order) {
            if (op == 0 && brightness > 0) {
                out = Pixels.brightness(out, fb);
            } else if (op == 1 && contrast > 0) {
                out = Pixels.contrast(out, fc);
            } else if (op == 2 && saturation > 0) {
                out = Pixels.color(out, fs);
            }
        }
        return out == img ? img.copy() : out;
    }

    private static double factor(double s, RandomGenerator rng) {
        return s > 0 ? RandomResizedCrop.uniform(rng, Math.max(0, 1 - s), 1 + s) : 1.0;
    }
}
