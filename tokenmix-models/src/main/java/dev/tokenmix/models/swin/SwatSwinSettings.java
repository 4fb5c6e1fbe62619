package dev.tokenmix.models.swin;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What SWAT (<a href="https://arxiv.org/abs/2111.13677">arXiv 2111.13677</a>) changes in a Swin Transformer, as the
 * official {@code swin_transformer.py} of {@code kkahatapitiya/SWAT} hard-codes it for Swin-T/S: the structure-aware
 * stem, the token structure, and the kernels of the structure convolutions per stage.
 *
 * <p>Stage {@code i}'s tokens are {@code c_i x s_i x s_i} images with {@code s_i = alpha·2^i} and
 * {@code c_i = embedDim / alpha² / 2^i}: every stage describes the same pixel grid at {@code 1/(patch/alpha)} of the
 * input, grouped into ever larger tokens.
 *
 * @param alpha side of a stage-0 token's image (2 in SWAT Swin-T/S: {@code 24 x 2 x 2} tokens of width 96)
 * @param stemChannels channels of the stem's first convolution {@code proj21} (128)
 * @param attnKernels kernel of the attention's structure convolutions per stage ({1, 1, 3, 5})
 * @param mlpKernels depthwise kernel of the convolutional MLP per stage ({5, 5, 5, 3})
 * @param mergeKernels kernel of the structure-aware patch merging after each stage but the last ({3, 5, 9})
 */
public record SwatSwinSettings(int alpha, int stemChannels, int[] attnKernels, int[] mlpKernels, int[] mergeKernels) {

    public SwatSwinSettings {
        attnKernels = attnKernels.clone();
        mlpKernels = mlpKernels.clone();
        mergeKernels = mergeKernels.clone();
    }

    /** The settings of the official SWAT Swin-T and Swin-S. */
    public static SwatSwinSettings official() {
        return new SwatSwinSettings(2, 128, new int[] {1, 1, 3, 5}, new int[] {5, 5, 5, 3}, new int[] {3, 5, 9});
    }

    /** The problems of these settings for a Swin of {@code stages} stages (empty if none). */
    List<String> problems(int stages, int embedDim, int patchSize) {
        List<String> bad = new ArrayList<>();
        if (alpha <= 0 || patchSize % alpha != 0) {
            bad.add("SWAT alpha=" + alpha + " must divide patchSize=" + patchSize);
        } else if (embedDim % (alpha * alpha) != 0 || (embedDim / (alpha * alpha)) % (1 << (stages - 1)) != 0) {
            bad.add("SWAT needs embedDim=" + embedDim + " / alpha² to be divisible by 2^(stages-1)="
                    + (1 << (stages - 1)) + " (structure channels halve at every merge)");
        }
        if (stemChannels <= 0) {
            bad.add("SWAT stemChannels=" + stemChannels + " must be positive");
        }
        if (attnKernels.length != stages || mlpKernels.length != stages || mergeKernels.length != stages - 1) {
            bad.add("SWAT kernels per stage: attn " + Arrays.toString(attnKernels) + " and mlp "
                    + Arrays.toString(mlpKernels) + " need " + stages + " entries, merge " + Arrays.toString(mergeKernels)
                    + " needs " + (stages - 1));
        }
        for (int[] ks : new int[][] {attnKernels, mlpKernels, mergeKernels}) {
            for (int k : ks) {
                if (k <= 0 || k % 2 == 0) {
                    bad.add("SWAT kernel " + k + " must be odd and positive");
                }
            }
        }
        return bad;
    }

    @Override
    public int[] attnKernels() {
        return attnKernels.clone();
    }

    @Override
    public int[] mlpKernels() {
        return mlpKernels.clone();
    }

    @Override
    public int[] mergeKernels() {
        return mergeKernels.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SwatSwinSettings s && alpha == s.alpha && stemChannels == s.stemChannels
                && Arrays.equals(attnKernels, s.attnKernels) && Arrays.equals(mlpKernels, s.mlpKernels)
                && Arrays.equals(mergeKernels, s.mergeKernels);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new int[] {alpha, stemChannels, Arrays.hashCode(attnKernels), Arrays.hashCode(mlpKernels),
            Arrays.hashCode(mergeKernels)});
    }

    @Override
    public String toString() {
        return "SwatSwinSettings[alpha=" + alpha + ", stemChannels=" + stemChannels + ", attnKernels="
                + Arrays.toString(attnKernels) + ", mlpKernels=" + Arrays.toString(mlpKernels) + ", mergeKernels="
                + Arrays.toString(mergeKernels) + "]";
    }
}
