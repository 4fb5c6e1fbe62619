package dev.tokenmix.models.psvit;

import dev.tokenmix.core.mixers.psvit.PoolingKind;
import dev.tokenmix.core.mixers.psvit.TokenPooling;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Hyper-parameters of a PSViT (<a href="https://arxiv.org/abs/2108.03428">arXiv 2108.03428</a>): a DeiT whose
 * token count falls at the pooling positions and whose layers may reuse the previous layer's attention map. The
 * paper treats "the number of tokens in each layer and the choices of layers sharing attention" as
 * hyper-parameters; here they are {@code poolAt} and {@code shareAttention}. Every choice the paper leaves open is
 * a field (see the PSViT section of {@code docs/models.md}).
 *
 * @param imgSize input resolution
 * @param patchSize patch size of the convolutional patch embedding (8 gives a 28x28 grid at 224)
 * @param embedDim token width, the same in every layer (DeiT's 192 / 384 / 768)
 * @param numHeads attention heads (DeiT's 3 / 6 / 12)
 * @param mlpRatio MLP hidden width over {@code embedDim}
 * @param qkvBias whether the q/k/v (or, in sharing layers, v) projection has a bias
 * @param poolAt the block indices in front of which the tokens are pooled, increasing, each in {@code 1..depth-1}
 * @param pooling how tokens are pooled
 * @param poolKernel pooling window side
 * @param poolStride pooling stride
 * @param shareAttention per block, whether it reuses the previous block's attention map; must be false for block 0
 *     and for the first block after each pooling (the token count changes there)
 * @param globalPool {@code "token"} (class token, which passes through pooling) or {@code "avg"} (mean of patch
 *     tokens, no class token)
 * @param normEps LayerNorm epsilon
 */
public record PsvitConfig(int imgSize, int patchSize, int embedDim, int numHeads, double mlpRatio, boolean qkvBias,
                          int[] poolAt, PoolingKind pooling, int poolKernel, int poolStride, boolean[] shareAttention,
                          String globalPool, double normEps) {

    public PsvitConfig {
        List<String> bad = new ArrayList<>();
        if (imgSize <= 0 || patchSize <= 0 || imgSize % patchSize != 0) {
            bad.add("imgSize=" + imgSize + " must be a positive multiple of patchSize=" + patchSize);
        }
        if (embedDim <= 0 || numHeads <= 0 || embedDim % numHeads != 0) {
            bad.add("embedDim=" + embedDim + " must be divisible by numHeads=" + numHeads);
        }
        if (!(mlpRatio > 0) || !(normEps > 0)) {
            bad.add("mlpRatio=" + mlpRatio + " and normEps=" + normEps + " must be positive");
        }
        if (shareAttention == null || shareAttention.length == 0) {
            bad.add("shareAttention must list at least one block");
        }
        if (pooling == null || poolStride < 1 || poolKernel < poolStride) {
            bad.add("pooling=" + pooling + ", poolKernel=" + poolKernel + ", poolStride=" + poolStride
                    + ": need a kind and poolKernel >= poolStride >= 1");
        }
        if (!"token".equals(globalPool) && !"avg".equals(globalPool)) {
            bad.add("globalPool='" + globalPool + "' must be 'token' or 'avg'");
        }
        int depth = shareAttention == null ? 0 : shareAttention.length;
        poolAt = poolAt == null ? new int[0] : poolAt.clone();
        for (int i = 0; i < poolAt.length; i++) {
            if (poolAt[i] < 1 || poolAt[i] >= depth || (i > 0 && poolAt[i] <= poolAt[i - 1])) {
                bad.add("poolAt=" + Arrays.toString(poolAt) + " must increase within 1.." + (depth - 1));
                break;
            }
        }
        if (depth > 0 && bad.isEmpty()) {
            for (int i = 0; i < depth; i++) {
                int block = i;
                boolean first = i == 0 || Arrays.stream(poolAt).anyMatch(p -> p == block);
                if (first && shareAttention[i]) {
                    bad.add("block " + i + " cannot reuse attention: it is the first block"
                            + (i == 0 ? "" : " after a pooling") + " (the token count differs from the previous map)");
                }
            }
            long side = imgSize / patchSize;
            for (int i = 0; i < poolAt.length && bad.isEmpty(); i++) {
                if (side + 2L * ((poolKernel - 1) / 2) < poolKernel) {
                    bad.add("pooling " + i + " (kernel " + poolKernel + ", stride " + poolStride + ") gets a " + side
                            + "x" + side + " grid, smaller than its window, at imgSize=" + imgSize + " and patchSize="
                            + patchSize + "; use a larger input or fewer poolings");
                }
                side = TokenPooling.outputSide(side, poolKernel, poolStride);
            }
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("invalid PSViT config: " + String.join("; ", bad));
        }
        shareAttention = shareAttention.clone();
    }

    /**
     * Sharing in groups of {@code groupSize} neighbouring blocks: within each run of blocks between poolings, the
     * first block of every group computes its map and the other {@code groupSize - 1} reuse it (1: no sharing).
     */
    public static boolean[] sharingGroups(int depth, int[] poolAt, int groupSize) {
        if (groupSize < 1) {
            throw new IllegalArgumentException("sharing group size must be >= 1, got " + groupSize);
        }
        boolean[] share = new boolean[depth];
        int start = 0;
        for (int i = 0; i < depth; i++) {
            int block = i;
            if (Arrays.stream(poolAt).anyMatch(p -> p == block)) {
                start = i;
            }
            share[i] = (i - start) % groupSize != 0;
        }
        return share;
    }

    @Override
    public int[] poolAt() {
        return poolAt.clone();
    }

    @Override
    public boolean[] shareAttention() {
        return shareAttention.clone();
    }

    /** Number of transformer blocks. */
    public int depth() {
        return shareAttention.length;
    }

    /** Whether there is a class token. */
    public boolean classToken() {
        return "token".equals(globalPool);
    }

    /** Patches per side at the input of the first block. */
    public int gridSize() {
        return imgSize / patchSize;
    }

    /** Grid side seen by each block. */
    public long[] gridPerBlock() {
        long[] g = new long[depth()];
        long side = gridSize();
        int next = 0;
        for (int i = 0; i < g.length; i++) {
            if (next < poolAt.length && poolAt[next] == i) {
                side = TokenPooling.outputSide(side, poolKernel, poolStride);
                next++;
            }
            g[i] = side;
        }
        return g;
    }

    /** Tokens each block sees, class token included. */
    public long[] tokensPerBlock() {
        long[] g = gridPerBlock();
        long[] n = new long[g.length];
        for (int i = 0; i < g.length; i++) {
            n[i] = g[i] * g[i] + (classToken() ? 1 : 0);
        }
        return n;
    }

    /** The same configuration at another input resolution. */
    public PsvitConfig withImgSize(int size) {
        return new PsvitConfig(size, patchSize, embedDim, numHeads, mlpRatio, qkvBias, poolAt, pooling, poolKernel,
                poolStride, shareAttention, globalPool, normEps);
    }

    /** The same widths with other pooling positions and sharing (what the configuration search varies). */
    public PsvitConfig withLayout(int[] newPoolAt, boolean[] newShare) {
        return new PsvitConfig(imgSize, patchSize, embedDim, numHeads, mlpRatio, qkvBias, newPoolAt, pooling,
                poolKernel, poolStride, newShare, globalPool, normEps);
    }

    /** A compact layout string: blocks as {@code A} (own attention) or {@code s} (shared), {@code |} at poolings. */
    public String layout() {
        StringBuilder sb = new StringBuilder();
        int next = 0;
        for (int i = 0; i < depth(); i++) {
            if (next < poolAt.length && poolAt[next] == i) {
                sb.append('|');
                next++;
            }
            sb.append(shareAttention[i] ? 's' : 'A');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "PsvitConfig[imgSize=" + imgSize + ", patchSize=" + patchSize + ", embedDim=" + embedDim + ", numHeads="
                + numHeads + ", mlpRatio=" + mlpRatio + ", qkvBias=" + qkvBias + ", layout=" + layout() + ", pooling="
                + pooling.id() + " " + poolKernel + "/" + poolStride + ", globalPool=" + globalPool + ", normEps="
                + normEps + "]";
    }
}
