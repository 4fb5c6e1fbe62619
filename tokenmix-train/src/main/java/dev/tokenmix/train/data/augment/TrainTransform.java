package dev.tokenmix.train.data.augment;

import dev.tokenmix.models.InputConfig;
import dev.tokenmix.train.data.SampleTransform;
import java.awt.image.BufferedImage;
import java.util.random.RandomGenerator;

/**
 * timm's training transform ({@code transforms_imagenet_train}) for one sample: random resized crop, horizontal
 * (and optionally vertical) flip, then RandAugment when an auto-augment string is given or colour jitter otherwise, then scaling to [0, 1],
 * normalisation with the variant's mean and std, and random erasing. Every random draw comes from the generator
 * the loader passes, so a sample's augmentation is a pure function of (seed, epoch, index).
 *
 * <pre>{@code
 * SampleTransform t = TrainTransform.builder(model.variant().input(), 224)
 *         .autoAugment("rand-m9-mstd0.5-inc1").reprob(0.25).build();
 * }</pre>
 */
public final class TrainTransform implements SampleTransform {
    private final int size;
    private final double[] mean;
    private final double[] std;
    private final RandomResizedCrop crop;
    private final double hflip;
    private final double vflip;
    private final ColorJitter jitter;
    private final RandAugment randAugment;
    private final RandomErasing erasing;

    private TrainTransform(Builder b) {
        this.size = b.size;
        this.mean = b.cfg.mean();
        this.std = b.cfg.std();
        this.crop = new RandomResizedCrop(b.size, b.scale, b.ratio, b.interpolation);
        this.hflip = b.hflip;
        this.vflip = b.vflip;
        this.randAugment = b.autoAugment == null || b.autoAugment.isBlank() ? null
                : RandAugment.parse(b.autoAugment, mean);
        this.jitter = randAugment == null && b.colorJitter > 0 ? ColorJitter.of(b.colorJitter) : null;
        this.erasing = b.reprob > 0 ? new RandomErasing(b.reprob, b.remode, b.recount, b.recount, 0.02, 1.0 / 3, 0.3)
                : null;
    }

    /**
     * timm's defaults at {@code size}: scale (0.08, 1), ratio (3/4, 4/3), random interpolation, flip 0.5, colour
     * jitter 0.4, no auto-augment, no erasing; mean and std from {@code cfg}.
     */
    public static Builder builder(InputConfig cfg, int size) {
        return new Builder(cfg, size);
    }

    @Override
    public int size() {
        return size;
    }

    /** The augmented 8-bit image before normalisation and erasing (for previews and tests). */
    public RgbImage augment(BufferedImage img, RandomGenerator rng) {
        RgbImage x = crop.apply(RgbImage.of(img), rng);
        if (hflip > 0 && rng.nextDouble() < hflip) {
            x = HorizontalFlip.apply(x);
        }
        if (vflip > 0 && rng.nextDouble() < vflip) {
            x = HorizontalFlip.vertical(x);
        }
        if (randAugment != null) {
            x = randAugment.apply(x, rng);
        } else if (jitter != null) {
            x = jitter.apply(x, rng);
        }
        return x;
    }

    @Override
    public float[] apply(BufferedImage img, RandomGenerator rng) {
        float[] out = augment(img, rng).normalized(mean, std);
        if (erasing != null) {
            erasing.apply(out, size, size, rng);
        }
        return out;
    }

    /** Builds a {@link TrainTransform}; the flag names in the comments are timm's train.py flags. */
    public static final class Builder {
        private final InputConfig cfg;
        private final int size;
        private double[] scale = {0.08, 1.0};
        private double[] ratio = {3.0 / 4, 4.0 / 3};
        private String interpolation = "random";
        private double hflip = 0.5;
        private double vflip;
        private double colorJitter = 0.4;
        private String autoAugment;
        private double reprob;
        private RandomErasing.Mode remode = RandomErasing.Mode.PIXEL;
        private int recount = 1;

        private Builder(InputConfig cfg, int size) {
            this.cfg = java.util.Objects.requireNonNull(cfg, "input config");
            this.size = size;
        }

        /** {@code --scale}: crop area fraction range. */
        public Builder scale(double min, double max) {
            this.scale = new double[] {min, max};
            return this;
        }

        /** {@code --ratio}: crop aspect ratio range. */
        public Builder ratio(double min, double max) {
            this.ratio = new double[] {min, max};
            return this;
        }

        /** {@code --train-interpolation}: bilinear, bicubic or random. */
        public Builder interpolation(String interpolation) {
            this.interpolation = interpolation;
            return this;
        }

        /** {@code --hflip}: probability of a horizontal flip. */
        public Builder hflip(double hflip) {
            this.hflip = hflip;
            return this;
        }

        /** {@code --vflip}: probability of a vertical flip (default 0). */
        public Builder vflip(double vflip) {
            this.vflip = vflip;
            return this;
        }

        /** {@code --color-jitter}: strength; used only without auto-augment (as in timm). 0 turns it off. */
        public Builder colorJitter(double colorJitter) {
            this.colorJitter = colorJitter;
            return this;
        }

        /** {@code --aa}: a RandAugment string such as {@code rand-m9-mstd0.5-inc1}; null for none. */
        public Builder autoAugment(String autoAugment) {
            this.autoAugment = autoAugment;
            return this;
        }

        /** {@code --reprob}: random erasing probability (0: off). */
        public Builder reprob(double reprob) {
            this.reprob = reprob;
            return this;
        }

        /** {@code --remode}: pixel, rand or const. */
        public Builder remode(RandomErasing.Mode remode) {
            this.remode = remode;
            return this;
        }

        /** {@code --recount}: rectangles per erased image. */
        public Builder recount(int recount) {
            this.recount = recount;
            return this;
        }

        /** Validates every setting, naming the bad one. */
        public TrainTransform build() {
            if (size < 1) {
                throw new IllegalArgumentException("image size must be positive, got " + size);
            }
            if (!(hflip >= 0 && hflip <= 1) || !(vflip >= 0 && vflip <= 1)) {
                throw new IllegalArgumentException("flip probabilities must be in [0, 1], got hflip " + hflip
                        + ", vflip " + vflip);
            }
            if (!(colorJitter >= 0)) {
                throw new IllegalArgumentException("colour jitter must be >= 0, got " + colorJitter);
            }
            if (!(reprob >= 0 && reprob <= 1)) {
                throw new IllegalArgumentException("random erasing probability must be in [0, 1], got " + reprob);
            }
            return new TrainTransform(this);
        }
    }
}
