package dev.tokenmix.models.swat;

import java.util.ArrayList;
import java.util.List;

/**
 * Hyper-parameters of a SWAT model (<a href="https://arxiv.org/abs/2111.13677">arXiv 2111.13677</a>): the base
 * architecture, its widths, and the token structure. Tokens are {@code c x α x α} images with
 * {@code c = embedDim / α²}; the structure-aware tokenizer's stem convolution has stride 2, so the tokens tile an
 * {@code imgSize/2} pixel grid ({@code imgSize/4} after a {@code projKernel} of 2).
 *
 * @param arch the base model: DeiT (structure-aware attention), MLP-Mixer or ResMLP (structure-aware token mixing)
 * @param imgSize input resolution (the official code is fixed to 224)
 * @param embedDim token width {@code C}
 * @param depth number of blocks
 * @param numHeads attention heads (DeiT; equal to {@code c}, so a head is a structure channel); 0 otherwise
 * @param hiddenDim hidden width of the channel-mixing {@code SpatialConvMlp} on the token grid
 * @param tokensDim hidden width of the Mixer's token-mixing MLP (0 otherwise)
 * @param stemChannels output channels of the tokenizer's {@code proj21}
 * @param stemKernel kernel of {@code proj21} (stride 2)
 * @param stemPadding padding of {@code proj21}
 * @param projKernel kernel and stride of {@code proj22}
 * @param alpha side of the block grouped into one token
 * @param mixKernel kernel of the convolutions within tokens (the attention's structure convolutions, the token-mixing
 *     depthwise convolution)
 * @param gridKernel depthwise kernel of the channel MLP over the token grid
 * @param layerScaleInit initial LayerScale of ResMLP's branches (0 otherwise)
 */
public record SwatConfig(Arch arch, int imgSize, int embedDim, int depth, int numHeads, int hiddenDim, int tokensDim,
                         int stemChannels, int stemKernel, int stemPadding, int projKernel, int alpha, int mixKernel,
                         int gridKernel, double layerScaleInit) {

    /** The base architecture SWAT modifies. */
    public enum Arch {
        DEIT,
        MIXER,
        RESMLP
    }

    public SwatConfig {
        List<String> bad = new ArrayList<>();
        if (arch == null) {
            bad.add("arch must be set");
        }
        if (imgSize <= 0 || embedDim <= 0 || depth <= 0 || hiddenDim <= 0 || stemChannels <= 0 || stemKernel <= 0
                || stemPadding < 0 || projKernel <= 0 || alpha <= 0) {
            bad.add("sizes must be positive: imgSize=" + imgSize + ", embedDim=" + embedDim + ", depth=" + depth
                    + ", hiddenDim=" + hiddenDim + ", stem=" + stemChannels + "/" + stemKernel + "/" + stemPadding
                    + ", projKernel=" + projKernel + ", alpha=" + alpha);
        }
        if (mixKernel <= 0 || mixKernel % 2 == 0 || gridKernel <= 0 || gridKernel % 2 == 0) {
            bad.add("mixKernel=" + mixKernel + " and gridKernel=" + gridKernel + " must be odd and positive");
        }
        if (alpha > 0 && embedDim % (alpha * alpha) != 0) {
            bad.add("embedDim=" + embedDim + " must be a multiple of alpha²=" + alpha * alpha);
        }
        int s = stemKernel > 0 ? (imgSize + 2 * stemPadding - stemKernel) / 2 + 1 : 0;
        if (projKernel > 0 && alpha > 0 && (s <= 0 || s % projKernel != 0 || (s / projKernel) % alpha != 0)) {
            bad.add("imgSize=" + imgSize + " gives a " + s + "-pixel stem map that projKernel=" + projKernel + " and alpha="
                    + alpha + " must divide");
        }
        if (arch == Arch.DEIT && alpha > 0 && numHeads != embedDim / (alpha * alpha)) {
            bad.add("numHeads=" + numHeads + " must equal the structure channels embedDim/alpha²=" + embedDim / (alpha * alpha));
        }
        if (arch == Arch.MIXER && tokensDim <= 0) {
            bad.add("tokensDim=" + tokensDim + " must be positive for a Mixer");
        }
        if (arch == Arch.RESMLP && !(layerScaleInit > 0)) {
            bad.add("layerScaleInit=" + layerScaleInit + " must be positive for a ResMLP");
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("invalid SWAT config: " + String.join("; ", bad));
        }
    }

    /** The same configuration at another input resolution (any multiple of the patch size). */
    public SwatConfig withImgSize(int size) {
        return new SwatConfig(arch, size, embedDim, depth, numHeads, hiddenDim, tokensDim, stemChannels, stemKernel,
                stemPadding, projKernel, alpha, mixKernel, gridKernel, layerScaleInit);
    }

    /** Structure channels per token, {@code C / α²}. */
    public int structureChannels() {
        return embedDim / (alpha * alpha);
    }

    /** Tokens per side. */
    public int gridSize() {
        return ((imgSize + 2 * stemPadding - stemKernel) / 2 + 1) / projKernel / alpha;
    }

    /** Input pixels per token side. */
    public int patchSize() {
        return imgSize / gridSize();
    }
}
