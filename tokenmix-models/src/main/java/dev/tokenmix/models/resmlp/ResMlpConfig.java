package dev.tokenmix.models.resmlp;

/**
 * Hyper-parameters of a ResMLP (timm's {@code MlpMixer} with {@code ResBlock} and the {@code Affine} norm).
 *
 * @param imgSize input resolution
 * @param patchSize patch size of the convolutional stem
 * @param embedDim token width
 * @param depth number of residual blocks
 * @param mlpRatio channel MLP hidden width over {@code embedDim}
 * @param initValues initial LayerScale value of both residual branches (1e-4 for 12 blocks)
 */
public record ResMlpConfig(int imgSize, int patchSize, int embedDim, int depth, double mlpRatio, double initValues) {

    public ResMlpConfig {
        java.util.List<String> bad = new java.util.ArrayList<>();
        if (imgSize <= 0 || patchSize <= 0 || imgSize % patchSize != 0) {
            bad.add("imgSize=" + imgSize + " must be a positive multiple of patchSize=" + patchSize);
        }
        if (embedDim <= 0 || depth <= 0 || !(mlpRatio > 0) || !(initValues > 0)) {
            bad.add("embedDim=" + embedDim + ", depth=" + depth + ", mlpRatio=" + mlpRatio + ", initValues=" + initValues
                    + " must be positive");
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("invalid ResMLP config: " + String.join("; ", bad));
        }
    }

    /** The same configuration at another input resolution (the token layer is sized for the new token count). */
    public ResMlpConfig withImgSize(int size) {
        return new ResMlpConfig(size, patchSize, embedDim, depth, mlpRatio, initValues);
    }

    /** Patches per side. */
    public int gridSize() {
        return imgSize / patchSize;
    }
}
