package dev.tokenmix.models.mixer;

/**
 * Hyper-parameters of an MLP-Mixer (timm's {@code MlpMixer} with {@code MixerBlock}).
 *
 * @param imgSize input resolution
 * @param patchSize patch size of the convolutional stem
 * @param embedDim token width
 * @param numBlocks number of Mixer blocks
 * @param tokensDim hidden width of the token-mixing MLP (timm: {@code 0.5 * embedDim})
 * @param channelsDim hidden width of the channel-mixing MLP (timm: {@code 4 * embedDim})
 * @param normEps LayerNorm epsilon (1e-6)
 */
public record MixerConfig(int imgSize, int patchSize, int embedDim, int numBlocks, int tokensDim, int channelsDim,
                          double normEps) {

    public MixerConfig {
        java.util.List<String> bad = new java.util.ArrayList<>();
        if (imgSize <= 0 || patchSize <= 0 || imgSize % patchSize != 0) {
            bad.add("imgSize=" + imgSize + " must be a positive multiple of patchSize=" + patchSize);
        }
        if (embedDim <= 0 || numBlocks <= 0 || tokensDim <= 0 || channelsDim <= 0 || !(normEps > 0)) {
            bad.add("embedDim=" + embedDim + ", numBlocks=" + numBlocks + ", tokensDim=" + tokensDim + ", channelsDim="
                    + channelsDim + ", normEps=" + normEps + " must be positive");
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("invalid MLP-Mixer config: " + String.join("; ", bad));
        }
    }

    /** timm's widths: token MLP {@code 0.5 * dim}, channel MLP {@code 4 * dim}. */
    public static MixerConfig of(int imgSize, int patchSize, int embedDim, int numBlocks) {
        return new MixerConfig(imgSize, patchSize, embedDim, numBlocks, embedDim / 2, embedDim * 4, 1e-6);
    }

    /** The same configuration at another input resolution (the token MLP is sized for the new token count). */
    public MixerConfig withImgSize(int size) {
        return new MixerConfig(size, patchSize, embedDim, numBlocks, tokensDim, channelsDim, normEps);
    }

    /** Patches per side. */
    public int gridSize() {
        return imgSize / patchSize;
    }
}
