package dev.tokenmix.train.data.augment;

import dev.tokenmix.train.data.Targets;
import java.util.random.RandomGenerator;

/**
 * Mixup and CutMix with soft targets (timm's {@code Mixup}), in timm's batch, pair or element mode.
 *
 * <p>Per batch (or per pair, or per sample): with probability {@code prob} a mix is applied, else {@code lam = 1}.
 * With both alphas positive, CutMix is chosen with probability {@code switchProb}. Mixup blends each image with its
 * partner in the reversed batch, {@code x = lam * x + (1 - lam) * x.flip(0)} (<a
 * href="https://arxiv.org/abs/1710.09412">Zhang et al., 2017</a>); CutMix pastes a box of the partner (<a
 * href="https://arxiv.org/abs/1905.04899">Yun et al., 2019</a>), with {@code lam} corrected to the exact box area
 * when {@code correctLam} is on or a min/max box ratio is given. Targets are {@code lam * smooth(y) + (1 - lam) *
 * smooth(y.flip(0))}.
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
    private final Mode mode;

    private Mixup(Builder b) {
        this.mode = b.mode;
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

    /** How draws are shared (timm's {@code mode}). */
    public enum Mode {
        /** One lam and one box for the whole batch (timm's default; cheapest). */
        BATCH,
        /** One draw per pair (n, B-1-n), applied to both; needs an even batch. */
        PAIR,
        /** One draw per sample. */
        ELEM;

        /** Parses timm's {@code --mixup-mode} value. */
        public static Mode of(String name) {
            return switch (name.toLowerCase(java.util.Locale.ROOT)) {
                case "batch" -> BATCH;
                case "pair" -> PAIR;
                case "elem" -> ELEM;
                default -> throw new IllegalArgumentException("unknown mixup mode '" + name + "'; use batch, pair or elem");
            };
        }
    }

    /**
     * The outcome of mixing one batch; index {@code n} is sample {@code n}.
     *
     * @param targets {@code [B, K]} row-major soft targets
     * @param lam the weight of each sample's own label (after CutMix's area correction; 1 when unmixed)
     * @param cutmix whether a box was pasted into each sample
     * @param boxes {@code {yl, yh, xl, xh}} of each pasted box (half-open), null where none was
     */
    public record Result(float[] targets, double[] lam, boolean[] cutmix, int[][] boxes) {
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
     * Mixes {@code images} ({@code [b, c, h, w]} row-major) in place and returns the soft targets. Sample
     * {@code n}'s partner is sample {@code b - 1 - n} of the unmixed batch.
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
        if (mode == Mode.PAIR && b % 2 != 0) {
            throw new IllegalArgumentException("mixup mode pair needs an even batch size, got " + b);
        }
        double[] lam = new double[b];
        boolean[] cut = new boolean[b];
        int[][] boxes = new int[b][];
        java.util.Arrays.fill(lam, 1.0);
        float[] orig = images.clone();
        switch (mode) {
            case BATCH -> {
                Params p = sample(rng);
                int[] box = p.lam() < 1.0 && p.cutmix() ? cutmixBox(h, w, p.lam(), rng) : null;
                for (int n = 0; n < b; n++) {
                    mixInto(images, orig, c, h, w, n, b - 1 - n, p, box, lam, cut, boxes);
                }
            }
            case ELEM -> {
                for (int n = 0; n < b; n++) {
                    Params p = sample(rng);
                    int[] box = p.lam() < 1.0 && p.cutmix() ? cutmixBox(h, w, p.lam(), rng) : null;
                    mixInto(images, orig, c, h, w, n, b - 1 - n, p, box, lam, cut, boxes);
                }
            }
            case PAIR -> {
                for (int n = 0; n < b / 2; n++) {
                    Params p = sample(rng);
                    int[] box = p.lam() < 1.0 && p.cutmix() ? cutmixBox(h, w, p.lam(), rng) : null;
                    mixInto(images, orig, c, h, w, n, b - 1 - n, p, box, lam, cut, boxes);
                    mixInto(images, orig, c, h, w, b - 1 - n, n, p, box, lam, cut, boxes);
                }
            }
            default -> throw new IllegalStateException(mode.toString());
        }
        return new Result(targets(labels, numClasses, smoothing, lam), lam, cut, boxes);
    }

    /** Mixes sample {@code n} with {@code partner} of {@code orig} per {@code p}, recording lam, mode and box. */
    private void mixInto(float[] images, float[] orig, int c, int h, int w, int n, int partner, Params p, int[] box,
            double[] lam, boolean[] cut, int[][] boxes) {
        if (p.lam() >= 1.0) {
            return;
        }
        int plane = h * w;
        int img = c * plane;
        if (box != null) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = box[0]; y < box[1]; y++) {
                    int row = ch * plane + y * w + box[2];
                    System.arraycopy(orig, partner * img + row, images, n * img + row, box[3] - box[2]);
                }
            }
            lam[n] = correctLam || cutmixMinMax != null
                    ? 1.0 - (double) (box[1] - box[0]) * (box[3] - box[2]) / plane : p.lam();
            cut[n] = true;
            boxes[n] = box;
        } else {
            float l = (float) p.lam();
            float m = (float) (1.0 - p.lam());
            for (int k = 0; k < img; k++) {
                images[n * img + k] = orig[n * img + k] * l + orig[partner * img + k] * m;
            }
            lam[n] = p.lam();
        }
    }

    /** timm's {@code mixup_target} with one {@code lam} for the batch. */
    public static float[] targets(int[] labels, int numClasses, double smoothing, double lam) {
        double[] l = new double[labels.length];
        java.util.Arrays.fill(l, lam);
        return targets(labels, numClasses, smoothing, l);
    }

    /**
     * timm's {@code mixup_target}: row {@code n} is {@code lam[n] * smooth(y[n]) + (1 - lam[n]) * smooth(y[b-1-n])}.
     */
    public static float[] targets(int[] labels, int numClasses, double smoothing, double[] lam) {
        int b = labels.length;
        float[] t = new float[b * numClasses];
        for (int n = 0; n < b; n++) {
            int[] own = {labels[n]};
            int[] partner = {labels[b - 1 - n]};
            float[] row = new float[numClasses];
            Targets.addSmoothed(row, own, numClasses, smoothing, lam[n]);
            if (lam[n] < 1.0) {
                Targets.addSmoothed(row, partner, numClasses, smoothing, 1.0 - lam[n]);
            }
            System.arraycopy(row, 0, t, n * numClasses, numClasses);
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
        private Mode mode = Mode.BATCH;

        private Builder() {
        }

        /** {@code --mixup-mode}: batch (default), pair or elem. */
        public Builder mode(Mode mode) {
            this.mode = java.util.Objects.requireNonNull(mode, "mode");
            return this;
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

        /**
         * CutMix box side ratios drawn uniformly in [min, max) instead of from {@code lam} (timm
         * {@code --cutmix-minmax}).
         */
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
