package dev.tokenmix.train.data.augment;

import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * timm's {@code RandomErasing} (<a href="https://arxiv.org/abs/1708.04896">Zhong et al., 2017</a>), applied to the
 * normalised {@code [3, H, W]} array: with probability {@code prob}, {@code count} rectangles of random area (a
 * fraction in [{@code minArea}, {@code maxArea}] of the image, split between them) and log-uniform aspect ratio
 * in [{@code minAspect}, {@code 1 / minAspect}] are replaced: by per-pixel normal noise ({@code pixel}, timm's
 * {@code --remode pixel}), one normal colour per rectangle ({@code rand}) or zeros ({@code const}).
 */
public final class RandomErasing {
    /** What an erased rectangle is filled with. */
    public enum Mode {
        /** Zeros (the dataset mean after normalisation). */
        CONST,
        /** One normal random value per channel. */
        RAND,
        /** Normal random values per pixel and channel. */
        PIXEL;

        /** Parses timm's {@code --remode} value. */
        public static Mode of(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "const" -> CONST;
                case "rand" -> RAND;
                case "pixel" -> PIXEL;
                default -> throw new IllegalArgumentException("unknown random erasing mode '" + name
                        + "'; use pixel, rand or const");
            };
        }
    }

    private final double prob;
    private final Mode mode;
    private final int minCount;
    private final int maxCount;
    private final double minArea;
    private final double maxArea;
    private final double logMinAspect;
    private final double logMaxAspect;

    /** timm's defaults: area 0.02 to 1/3, aspect 0.3 to 1/0.3, one rectangle. */
    public RandomErasing(double prob, Mode mode) {
        this(prob, mode, 1, 1, 0.02, 1.0 / 3, 0.3);
    }

    /**
     * @param prob probability of erasing an image (timm {@code --reprob})
     * @param minCount fewest rectangles; {@code maxCount} most (timm {@code --recount} sets both)
     */
    public RandomErasing(double prob, Mode mode, int minCount, int maxCount, double minArea, double maxArea,
            double minAspect) {
        if (!(prob >= 0 && prob <= 1)) {
            throw new IllegalArgumentException("random erasing probability must be in [0, 1], got " + prob);
        }
        if (minCount < 1 || maxCount < minCount) {
            throw new IllegalArgumentException("random erasing count must be 1 <= min <= max, got " + minCount + ", "
                    + maxCount);
        }
        if (!(minArea > 0 && minArea <= maxArea && maxArea <= 1) || !(minAspect > 0)) {
            throw new IllegalArgumentException("random erasing area must be 0 < min <= max <= 1 and aspect > 0, got "
                    + minArea + ", " + maxArea + ", " + minAspect);
        }
        this.prob = prob;
        this.mode = java.util.Objects.requireNonNull(mode, "mode");
        this.minCount = minCount;
        this.maxCount = maxCount;
        this.minArea = minArea;
        this.maxArea = maxArea;
        double maxAspect = 1 / minAspect;
        this.logMinAspect = Math.log(Math.min(minAspect, maxAspect));
        this.logMaxAspect = Math.log(Math.max(minAspect, maxAspect));
    }

    /** Erases in place rectangles of {@code x} ({@code [3, h, w]} normalised); returns how many were erased. */
    public int apply(float[] x, int h, int w, RandomGenerator rng) {
        if (rng.nextDouble() > prob) {
            return 0;
        }
        int area = h * w;
        int count = minCount == maxCount ? minCount : minCount + rng.nextInt(maxCount - minCount + 1);
        int erased = 0;
        for (int k = 0; k < count; k++) {
            for (int attempt = 0; attempt < 10; attempt++) {
                double target = RandomResizedCrop.uniform(rng, minArea, maxArea) * area / count;
                double aspect = Math.exp(RandomResizedCrop.uniform(rng, logMinAspect, logMaxAspect));
                int eh = (int) Math.rint(Math.sqrt(target * aspect));
                int ew = (int) Math.rint(Math.sqrt(target / aspect));
                if (ew < w && eh < h) {
                    int top = rng.nextInt(h - eh + 1);
                    int left = rng.nextInt(w - ew + 1);
                    fill(x, h, w, top, left, eh, ew, rng);
                    erased++;
                    break;
                }
            }
        }
        return erased;
    }

    private void fill(float[] x, int h, int w, int top, int left, int eh, int ew, RandomGenerator rng) {
        for (int c = 0; c < 3; c++) {
            float colour = mode == Mode.RAND ? (float) rng.nextGaussian() : 0f;
            for (int y = top; y < top + eh; y++) {
                int row = (c * h + y) * w;
                for (int xx = left; xx < left + ew; xx++) {
                    x[row + xx] = mode == Mode.PIXEL ? (float) rng.nextGaussian() : colour;
                }
            }
        }
    }
}
