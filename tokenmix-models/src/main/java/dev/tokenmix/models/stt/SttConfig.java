package dev.tokenmix.models.stt;

import dev.tokenmix.core.mixers.stt.GlobalMixKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Hyper-parameters of an isotropic STT (<a href="https://arxiv.org/abs/2111.13156">arXiv 2111.13156</a>). The paper
 * fixes the idea (local windows with one super token each, global mixing among super tokens, higher layers and the
 * class embedding on super tokens only) but not these values, which are reconstructions; see the STT section of
 * {@code docs/models.md}.
 *
 * @param imgSize input resolution
 * @param stemChannels output channels of the stem's 3x3 stride-2 convolutions (each with BatchNorm and ReLU); the
 *     stem's stride is {@code 2^stemChannels.length}, then a 1x1 convolution projects to {@code embedDim}
 * @param embedDim token width, the same in every layer
 * @param numHeads attention heads (window, global mixing and super-token layers)
 * @param mlpRatio MLP hidden width over {@code embedDim}
 * @param qkvBias whether the qkv projections have a bias
 * @param window window side {@code M}: each window holds {@code M²} patch tokens and one super token
 * @param localDepth layers on patches and super tokens (window attention, global mixing, MLP)
 * @param globalDepth layers on the super tokens (and class token) alone
 * @param globalMix how the super tokens are mixed inside the local layers
 * @param mixKernel depthwise kernel of the separable-convolution mixing (odd)
 * @param globalPool {@code "token"}: a class token joins the super tokens in the super-token layers and is
 *     classified; {@code "avg"}: the mean of the final super tokens is classified
 * @param normEps LayerNorm epsilon
 */
public record SttConfig(int imgSize, int[] stemChannels, int embedDim, int numHeads, double mlpRatio, boolean qkvBias,
                        int window, int localDepth, int globalDepth, GlobalMixKind globalMix, int mixKernel,
                        String globalPool, double normEps) {

    public SttConfig {
        List<String> bad = new ArrayList<>();
        if (stemChannels == null || stemChannels.length == 0 || Arrays.stream(stemChannels).anyMatch(c -> c <= 0)) {
            bad.add("stemChannels=" + Arrays.toString(stemChannels) + " must list at least one positive width");
        } else {
            int stride = 1 << stemChannels.length;
            if (imgSize <= 0 || imgSize % stride != 0 || window <= 0 || (imgSize / stride) % window != 0) {
                bad.add("imgSize=" + imgSize + " over the stem's stride " + stride + " must give a grid that window="
                        + window + " divides");
            }
            stemChannels = stemChannels.clone();
        }
        if (embedDim <= 0 || numHeads <= 0 || embedDim % numHeads != 0) {
            bad.add("embedDim=" + embedDim + " must be divisible by numHeads=" + numHeads);
        }
        if (localDepth < 1 || globalDepth < 0) {
            bad.add("localDepth=" + localDepth + " must be >= 1 and globalDepth=" + globalDepth + " >= 0");
        }
        if (globalMix == null || (globalMix == GlobalMixKind.SEPARABLE_CONV && (mixKernel <= 0 || mixKernel % 2 == 0))) {
            bad.add("globalMix=" + globalMix + " needs an odd positive mixKernel, got " + mixKernel);
        }
        if (!"token".equals(globalPool) && !"avg".equals(globalPool)) {
            bad.add("globalPool='" + globalPool + "' must be 'token' or 'avg'");
        }
        if (!(mlpRatio > 0) || !(normEps > 0)) {
            bad.add("mlpRatio=" + mlpRatio + " and normEps=" + normEps + " must be positive");
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("invalid STT config: " + String.join("; ", bad));
        }
    }

    @Override
    public int[] stemChannels() {
        return stemChannels.clone();
    }

    /** Input pixels per patch token along a side. */
    public int stemStride() {
        return 1 << stemChannels.length;
    }

    /** Patch tokens per side. */
    public int gridSize() {
        return imgSize / stemStride();
    }

    /** Windows (and super tokens) per side. */
    public int windowGrid() {
        return gridSize() / window;
    }

    /** All layers. */
    public int depth() {
        return localDepth + globalDepth;
    }

    public boolean classToken() {
        return "token".equals(globalPool);
    }

    public SttConfig withImgSize(int size) {
        return new SttConfig(size, stemChannels, embedDim, numHeads, mlpRatio, qkvBias, window, localDepth,
                globalDepth, globalMix, mixKernel, globalPool, normEps);
    }

    @Override
    public String toString() {
        return "SttConfig[imgSize=" + imgSize + ", stemChannels=" + Arrays.toString(stemChannels) + ", embedDim="
                + embedDim + ", numHeads=" + numHeads + ", mlpRatio=" + mlpRatio + ", qkvBias=" + qkvBias + ", window="
                + window + ", localDepth=" + localDepth + ", globalDepth=" + globalDepth + ", globalMix="
                + globalMix.id() + ", mixKernel=" + mixKernel + ", globalPool=" + globalPool + ", normEps=" + normEps
                + "]";
    }
}
