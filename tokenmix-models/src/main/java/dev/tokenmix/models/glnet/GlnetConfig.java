package dev.tokenmix.models.glnet;

import java.util.Arrays;

/**
 * Hyper-parameters of a GLNet (Zhu et al., NeurIPS 2024, <a href="https://arxiv.org/abs/2411.14429">arXiv
 * 2411.14429</a>), named after the official {@code GLNet} arguments.
 *
 * @param imgSize input resolution
 * @param depths blocks per stage
 * @param dims channels per stage
 * @param modes mixing mode per stage: {@code glmix}, {@code glmix.mha_nchw} (GLMix on even blocks, global MHSA on
 *     odd ones), {@code mha_nchw} or {@code mha} (ViT block on tokens)
 * @param mlpRatio FFN expansion
 * @param overlappedStem {@code true}: deep 3x3 stride-2 stem and 3x3 stride-2 conv+BN transitions ("ovlp");
 *     {@code false}: 4x4 stride-4 conv+BN stem and BN+2x2 stride-2 conv transitions ("non_ovlp")
 * @param cpe conditional position encoding (residual depthwise 3x3) in front of each GLMix/MHSA-NCHW block
 * @param mlpDw residual depthwise 3x3 conv inside the FFN
 * @param learnedSlots learned {@code init_slots} instead of pooled slots
 * @param layerScale initial LayerScale value, 0 for none
 * @param tokenLabeling adds the token-labeling head {@code tklb_aux_head} (the *_tklb variants)
 */
public record GlnetConfig(int imgSize, int[] depths, int[] dims, String[] modes, double mlpRatio,
                          boolean overlappedStem, boolean cpe, boolean mlpDw, boolean learnedSlots, double layerScale,
                          boolean tokenLabeling) {
    /** Channels per attention head, in every variant. */
    public static final int HEAD_DIM = 32;
    /** The slot grid: 8 x 8 = 64 slots, in every variant. */
    public static final int SLOT_GRID = 8;
    /** Kernel of the local branch's depthwise convolution. */
    public static final int LOCAL_KERNEL = 5;
    /** Epsilon of the blocks' LayerNorms. */
    public static final double LN_EPS = 1e-6;

    public GlnetConfig {
        if (depths.length != 4 || dims.length != 4 || modes.length != 4) {
            throw new IllegalArgumentException("GLNet has 4 stages; got depths " + Arrays.toString(depths) + ", dims "
                    + Arrays.toString(dims) + ", modes " + Arrays.toString(modes));
        }
        for (int i = 0; i < 4; i++) {
            if (dims[i] <= 0 || dims[i] % HEAD_DIM != 0 || depths[i] <= 0) {
                throw new IllegalArgumentException("stage " + i + ": dim " + dims[i] + " must be a positive multiple of "
                        + HEAD_DIM + " and depth " + depths[i] + " positive");
            }
            if (!Arrays.asList("glmix", "glmix.mha_nchw", "mha_nchw", "mha").contains(modes[i])) {
                throw new IllegalArgumentException("stage " + i + ": unknown mixing mode " + modes[i]);
            }
        }
        if (imgSize % 32 != 0 || imgSize <= 0) {
            throw new IllegalArgumentException("imgSize must be a positive multiple of 32, got " + imgSize);
        }
        depths = depths.clone();
        dims = dims.clone();
        modes = modes.clone();
    }

    @Override
    public int[] depths() {
        return depths.clone();
    }

    @Override
    public int[] dims() {
        return dims.clone();
    }

    @Override
    public String[] modes() {
        return modes.clone();
    }

    public GlnetConfig withImgSize(int size) {
        return new GlnetConfig(size, depths, dims, modes, mlpRatio, overlappedStem, cpe, mlpDw, learnedSlots,
                layerScale, tokenLabeling);
    }

    public GlnetConfig withTokenLabeling() {
        return new GlnetConfig(imgSize, depths, dims, modes, mlpRatio, overlappedStem, cpe, mlpDw, learnedSlots,
                layerScale, true);
    }

    @Override
    public String toString() {
        return "GlnetConfig[imgSize=" + imgSize + ", depths=" + Arrays.toString(depths) + ", dims="
                + Arrays.toString(dims) + ", modes=" + Arrays.toString(modes) + ", mlpRatio=" + mlpRatio
                + ", overlappedStem=" + overlappedStem + ", cpe=" + cpe + ", mlpDw=" + mlpDw + ", learnedSlots="
                + learnedSlots + ", layerScale=" + layerScale + ", tokenLabeling=" + tokenLabeling + "]";
    }
}
