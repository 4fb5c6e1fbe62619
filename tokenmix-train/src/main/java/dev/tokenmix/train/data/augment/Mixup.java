package dev.tokenmix.train.data.augment;

import dev.tokenmix.train.data.Targets;
import java.util.random.RandomGenerator;

/**
 * Mixup and CutMix with soft targets, batch mode (timm's {@code Mixup(mode='batch')}).
 *
 * <p>Per batch: with probability {@code prob} a mix is applied, else {@code lam = 1}. With both alphas positive,
 * CutMix is chosen with probability {@code switchProb}. Mixup blends each image with its partner in the reversed
 * batch, {@code x = lam * x + (1 - lam) * x.flip(0)}
 * (<a href="https://arxiv.org/abs/1710.09412">Zhang et al., 2017</a>); CutMix pastes a box of the partner
 * (<a href="https://arxiv.org/abs/1905.04899">Yun et al., 2019</a>), with {@code lam} corrected to the exact
 * box area when {@code correctLam} is on or a min/max box ratio is given. Targets are
 * {@code lam * smooth(y) + (1 - lam) * smooth(y.flip(0))}.
 *
 * <p>Use it through {@link dev.tokenmix.train.data.DataLoader.Builder#mixup}, which gives each batch its own
 * generator, so the draws depend only on (seed, epoch, batch index).
 */
public final class Mixup {
    private final double mixupAlpha;
    private final double cutmixAlpha;
    private final double[] cutmixMinMax;
    private final double prob;
    private final double switchProb;
    private final boolean correctLam;

    private Mixup(Builder b) {
        this.mixupAlpha = b.mixupAlpha;
        this.cutmixAlpha = b.cutmixMinMax != null ? 1.0 : b.cutmixAlpha;
        this.cutmixMinMax = b.cutmixMinMax;
        this.prob = b.prob;
        this.switchProb = b.switchProb;
        this.correctLam = b.correctLam;
    }

    /** timm's defaults: mixup alpha 1, cutmix off, prob 1, switch prob 0.5, lam corrected. */
    public static Builder builder() {
        return new Builder();
    }

    /** What one batch draws: the mixing weight of the original image and whether it is a CutMix. */
    public record Params(double lam, boolean cutmix) {
    }

    /**
     * The outcome of mixing one batch.
     *
     * @param targets {@code [B, K]} row-major soft targets
     * @param lam the weight of each sample's own label (after CutMix's area correction)
     * @param cutmix whether a box was pasted
     * @param box {@code {yl, yh, xl, xh}} of the pasted box (half-open), or null for mixup or no mix
     */
    public record Result(float[] targets, double lam, boolean cutmix, int[] box) {
    }

    /** Draws the batch's {@code lam} and mode (timm's {@code _params_per_batch}). */
    public Params sample(RandomGenerator rng) {
        if (rng.nextDouble() >= prob) {
            return new Params(1.0, false);
        }
        if (mixupAlpha > 0 && cutmixAlpha > 0) {
            boolean cut = rng.nextDouble() < switchProb;
            double a = cut ? cutmixAlpha : mixupAlpha;
            return new Params(BetaSampler.beta(a, a, rng), cut);
        }
        if (mixupAlpha > 0) {
            return new Params(BetaSampler.beta(mixupAlpha, mixupAlpha, rng), false);
        }
        return new Params(BetaSampler.beta(cutmixAlpha, cutmixAlpha, rng), true);
    }

    /**
     * Mixes {@code images} ({@code [b, c, h, w]} row-major) in place and returns the soft targets.
     *
     * @param labels the {@code b} labels
     * @param smoothing label smoothing of both target rows
     */
    public Result apply(float[] images, int b, int c, int h, int w, int[] labels, int numClasses, double smoothing,
            RandomGenerator rng) {
        if (images.length != b * c * h * w || labels.length != b) {
            throw new IllegalArgumentException("mixup: " + images.length + " values and " + labels.length
                    + " labels do not match [" + b + ", " + c + ", " + h + ", " + w + "]");
        }
        Params p = sample(rng);
        double lam = p.lam();
        int[] box = null;
        if (lam < 1.0) {
            float[] orig = images.clone();
            int plane = h * w;
            int img = c * plane;
            if (p.cutmix()) {
                box = cutmixBox(h, w, lam, rng);
                if (correctLam || cutmixMinMax != null) {
                    lam = 1.0 - (double) (box[1] - box[0]) * (box[3] - box[2]) / (h * w);
                }
                for (int n = 0; n < b; n++) {
                    int partner = b - 1 - n;
                    for (int ch = 0; ch < c; ch++) {
                        for (int y = box[0]; y < box[1]; y++) {
                            int dst = n * img + ch * plane + y * w;
                            int src = partner * img + ch * plane + y * w;
                            System.arraycopy(orig, src + box[2], images, dst + box[2], box[3] - box[2]);
                        }
                    }
                }
            } else {
                float l = (float) lam;
                float m = (float) (1.0 - lam);
                for (int n = 0; n < b; n++) {
                    int partner = b - 1 - n;
                    for (int k = 0; k < img; k++) {
                        images[n * img + k] = orig[n * img + k] * l + orig[partner * img + k] * m;
                    }
                }
            }
        }
        return new Result(targets(labels, numClasses, smoothing, lam), lam, p.cutmix() && box != null, box);
    }

    /** timm's {@code mixup_target}: {@code lam * smooth(y) + (1 - lam) * smooth(y.flip(0))}. */
    public static float[] targets(int[] labels, int numClasses, double smoothing, double lam) {
        int b = labels.length;
        int[] flipped = new int[b];
        for (int n = 0; n < b; n++) {
            flipped[n] = labels[b - 1 - n];
        }
        float[] t = new float[b * numClasses];
        Targets.addSmoothed(t, labels, numClasses, smoothing, lam);
        if (lam < 1.0) {
            Targets.addSmoothed(t, flipped, numClasses, smoothing, 1.0 - lam);
        }
        return t;
    }

    /** timm's {@code rand_bbox} (box of side {@code sqrt(1 - lam)} centred anywhere, clipped) or the min/max box. */
    int[] cutmixBox(int h, int w, double lam, RandomGenerator rng) {
        if (cutmixMinMax != null) {
            int ch = randInt(rng, (int) (h * cutmixMinMax[0]), (int) (h * cutmixMinMax[1]));
            int cw = randInt(rng, (int) (w * cutmixMinMax[0]), (int) (w * cutmixMinMax[1]));
            int yl = randInt(rng, 0, h - ch);
            int xl = randInt(rng, 0, w - cw);
            return new int[] {yl, yl + ch, xl, xl + cw};
        }
        double ratio = Math.sqrt(1.0 - lam);
        int cutH = (int) (h * ratio);
        int cutW = (int) (w * ratio);
        int cy = rng.nextInt(h);
        int cx = rng.nextInt(w);
        return new int[] {clip(cy - cutH / 2, h), clip(cy + cutH / 2, h), clip(cx - cutW / 2, w),
            clip(cx + cutW / 2, w)};
    }

    /** numpy's {@code randint(lo, hi)}: uniform in [lo, hi), or lo when the range is empty. */
    private static int randInt(RandomGenerator rng, int lo, int hi) {
        return hi > lo ? lo + rng.nextInt(hi - lo) : lo;
    }

    private static int clip(int v, int hi) {
        return Math.max(0, Math.min(hi, v));
    }

    /** Builds a {@link Mixup}; {@link #build} names any out-of-range value. */
    public static final class Builder {
        private double mixupAlpha = 1.0;
        private double cutmixAlpha;
        private double[] cutmixMinMax;
        private double prob = 1.0;
        private double switchProb = 0.5;
        private boolean correctLam = true;

        private Builder() {
        }

        /** Beta(alpha, alpha) of mixup's {@code lam}; 0 turns mixup off (timm {@code --mixup}). */
        public Builder mixupAlpha(double alpha) {
            this.mixupAlpha = alpha;
            return this;
        }

        /** Beta(alpha, alpha) of CutMix's {@code lam}; 0 turns CutMix off (timm {@code --cutmix}). */
        public Builder cutmixAlpha(double alpha) {
            this.cutmixAlpha = alpha;
            return this;
        }

        /** CutMix box side ratios drawn uniformly in [min, max) instead of from {@code lam} (timm {@code --cutmix-minmax}). */
        public Builder cutmixMinMax(double min, double max) {
            this.cutmixMinMax = new double[] {min, max};
            return this;
        }

        /** Probability that a batch is mixed at all (timm {@code --mixup-prob}). */
        public Builder prob(double prob) {
            this.prob = prob;
            return this;
        }

        /** Probability of CutMix rather than mixup when both are on (timm {@code --mixup-switch-prob}). */
        public Builder switchProb(double switchProb) {
            this.switchProb = switchProb;
            return this;
        }

        /** Whether CutMix's {@code lam} is corrected to the clipped box's area (timm's default: on). */
        public Builder correctLam(boolean correctLam) {
            this.correctLam = correctLam;
            return this;
        }

        public Mixup build() {
            if (!(mixupAlpha >= 0) || !(cutmixAlpha >= 0)) {
                throw new IllegalArgumentException("mixup: alphas must be >= 0, got mixup " + mixupAlpha + ", cutmix "
                        + cutmixAlpha);
            }
            if (mixupAlpha == 0 && cutmixAlpha == 0 && cutmixMinMax == null) {
                throw new IllegalArgumentException("mixup: mixup alpha, cutmix alpha or cutmix min/max must be set");
            }
            if (cutmixMinMax != null && !(cutmixMinMax[0] >= 0 && cutmixMinMax[0] < cutmixMinMax[1]
                    && cutmixMinMax[1] <= 1)) {
                throw new IllegalArgumentException("mixup: cutmix min/max must satisfy 0 <= min < max <= 1, got "
                        + cutmixMinMax[0] + ", " + cutmixMinMax[1]);
            }
            if (!(prob >= 0 && prob <= 1) || !(switchProb >= 0 && switchProb <= 1)) {
                throw new IllegalArgumentException("mixup: prob and switch prob must be in [0, 1], got " + prob + ", "
                        + switchProb);
            }
            return new Mixup(this);
        }
    }
}
