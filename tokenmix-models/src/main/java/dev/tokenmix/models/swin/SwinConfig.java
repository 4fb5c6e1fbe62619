package dev.tokenmix.models.swin;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Hyper-parameters of a Swin Transformer (timm 0.4.13's and the official Microsoft {@code SwinTransformer}), and of
 * its SWAT version when {@code swat} is set.
 *
 * @param imgSize input resolution (windows and shift masks are built for it)
 * @param patchSize side of a stage-0 token in pixels
 * @param embedDim stage-0 width; stage i has {@code embedDim·2^i}
 * @param depths blocks per stage
 * @param numHeads attention heads per stage
 * @param windowSize side of the attention windows (a stage whose grid is not larger uses one window, unshifted)
 * @param mlpRatio MLP hidden width over the block width
 * @param qkvBias whether the qkv projections have a bias
 * @param swat SWAT's changes, or null for the plain Swin
 */
public record SwinConfig(int imgSize, int patchSize, int embedDim, int[] depths, int[] numHeads, int windowSize,
                         double mlpRatio, boolean qkvBias, SwatSwinSettings swat) {
    /** LayerNorm epsilon of every Swin norm (PyTorch's default). */
    public static final double NORM_EPS = 1e-5;

    public SwinConfig {
        depths = depths.clone();
        numHeads = numHeads.clone();
        List<String> bad = new ArrayList<>();
        int stages = depths.length;
        if (stages == 0 || numHeads.length != stages) {
            bad.add("depths " + Arrays.toString(depths) + " and numHeads " + Arrays.toString(numHeads)
                    + " must be non-empty and of equal length");
        }
        if (patchSize <= 0 || imgSize <= 0 || imgSize % (patchSize << Math.max(0, stages - 1)) != 0) {
            bad.add("imgSize=" + imgSize + " must be a multiple of patchSize·2^(stages-1)="
                    + (patchSize << Math.max(0, stages - 1)));
        }
        for (int i = 0; i < Math.min(stages, numHeads.length); i++) {
            long dim = (long) embedDim << i;
            if (depths[i] <= 0 || numHeads[i] <= 0 || embedDim <= 0 || dim % numHeads[i] != 0) {
                bad.add("stage " + i + ": depth " + depths[i] + " and heads " + numHeads[i]
                        + " must be positive and the heads must divide the width " + dim);
            }
        }
        if (windowSize <= 0 || !(mlpRatio > 0)) {
            bad.add("windowSize=" + windowSize + " and mlpRatio=" + mlpRatio + " must be positive");
        }
        if (bad.isEmpty()) {
            for (int i = 0; i < stages; i++) {
                int g = imgSize / patchSize >> i;
                if (g > windowSize && g % windowSize != 0) {
                    bad.add("stage " + i + "'s " + g + "x" + g + " grid is not a multiple of windowSize=" + windowSize);
                }
            }
        }
        if (swat != null && stages > 0) {
            bad.addAll(swat.problems(stages, embedDim, patchSize));
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("invalid Swin config: " + String.join("; ", bad));
        }
    }

    /** The same configuration at another input resolution. */
    public SwinConfig withImgSize(int size) {
        return new SwinConfig(size, patchSize, embedDim, depths, numHeads, windowSize, mlpRatio, qkvBias, swat);
    }

    public int stages() {
        return depths.length;
    }

    /** Width of stage {@code i}. */
    public long dim(int i) {
        return (long) embedDim << i;
    }

    /** Token-grid side of stage {@code i}. */
    public int grid(int i) {
        return imgSize / patchSize >> i;
    }

    /** Structure channels of a stage-{@code i} SWAT token. */
    public long structureChannels(int i) {
        return (long) embedDim / ((long) swat.alpha() * swat.alpha()) >> i;
    }

    /** Side of a stage-{@code i} SWAT token's image. */
    public int structureSide(int i) {
        return swat.alpha() << i;
    }

    @Override
    public int[] depths() {
        return depths.clone();
    }

    @Override
    public int[] numHeads() {
        return numHeads.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SwinConfig c && imgSize == c.imgSize && patchSize == c.patchSize && embedDim == c.embedDim
                && Arrays.equals(depths, c.depths) && Arrays.equals(numHeads, c.numHeads) && windowSize == c.windowSize
                && Double.compare(mlpRatio, c.mlpRatio) == 0 && qkvBias == c.qkvBias && java.util.Objects.equals(swat, c.swat);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(imgSize, patchSize, embedDim, Arrays.hashCode(depths), Arrays.hashCode(numHeads),
                windowSize, mlpRatio, qkvBias, swat);
    }

    @Override
    public String toString() {
        return "SwinConfig[imgSize=" + imgSize + ", patchSize=" + patchSize + ", embedDim=" + embedDim + ", depths="
                + Arrays.toString(depths) + ", numHeads=" + Arrays.toString(numHeads) + ", windowSize=" + windowSize
                + ", mlpRatio=" + mlpRatio + ", qkvBias=" + qkvBias + ", swat=" + swat + "]";
    }
}
