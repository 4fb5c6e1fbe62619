package dev.tokenmix.models.vit;

/**
 * Hyper-parameters of a plain Vision Transformer (timm's {@code VisionTransformer}), the DeiT baseline.
 *
 * @param imgSize input resolution (position embeddings are built for it)
 * @param patchSize patch size of the convolutional patch embedding
 * @param embedDim token width
 * @param depth number of transformer blocks
 * @param numHeads attention heads per block
 * @param mlpRatio MLP hidden width over {@code embedDim}
 * @param qkvBias whether the qkv projection has a bias
 * @param globalPool {@code "token"} (class token) or {@code "avg"} (mean of patch tokens)
 * @param normEps LayerNorm epsilon (1e-6 in timm's ViTs)
 */
public record VitConfig(int imgSize, int patchSize, int embedDim, int depth, int numHeads, double mlpRatio,
                        boolean qkvBias, String globalPool, double normEps) {

    public VitConfig {
        java.util.List<String> bad = new java.util.ArrayList<>();
        if (imgSize <= 0 || patchSize <= 0 || imgSize % patchSize != 0) {
            bad.add("imgSize=" + imgSize + " must be a positive multiple of patchSize=" + patchSize);
        }
        if (embedDim <= 0 || numHeads <= 0 || embedDim % numHeads != 0) {
            bad.add("embedDim=" + embedDim + " must be divisible by numHeads=" + numHeads);
        }
        if (depth <= 0 || !(mlpRatio > 0) || !(normEps > 0)) {
            bad.add("depth=" + depth + ", mlpRatio=" + mlpRatio + ", normEps=" + normEps + " must be positive");
        }
        if (!"token".equals(globalPool) && !"avg".equals(globalPool)) {
            bad.add("globalPool='" + globalPool + "' must be 'token' or 'avg'");
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("invalid ViT config: " + String.join("; ", bad));
        }
    }

    /** The same configuration at another input resolution. */
    public VitConfig withImgSize(int size) {
        return new VitConfig(size, patchSize, embedDim, depth, numHeads, mlpRatio, qkvBias, globalPool, normEps);
    }

    /** Patches per side. */
    public int gridSize() {
        return imgSize / patchSize;
    }
}
