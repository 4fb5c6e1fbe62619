package dev.tokenmix.core.mixers.glmix;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;

/**
 * The parameter-free maths of GLMix's soft clustering and dispatching (arXiv 2411.14429, Sec. 3): slots from an
 * adaptive average pool, the scaled cosine similarity between slots and pixels, the clustering softmax over
 * pixels and the dispatching softmax over slots of the same logits.
 */
public final class SlotOps {
    /** {@code F.normalize}'s default epsilon. */
    public static final double NORMALIZE_EPS = 1e-12;

    private SlotOps() {
    }

    /**
     * Initial slots of an NCHW map {@code x [B, C, H, W]}: PyTorch's {@code adaptive_avg_pool2d} to
     * {@code gh x gw} (overlapping windows where H is not a multiple of gh), as {@code [B, gh*gw, C]} with slot
     * index {@code gw*row + col}.
     */
    public static Tensor poolSlots(Ops ops, Tensor x, int gh, int gw) {
        ops.expectShape(x, "slot source [B, C, H, W]", -1, Ops.ANY, Ops.ANY, Ops.ANY);
        long c = x.dim(1);
        Tensor p = ops.adaptiveAvgPool2d(x, gh, gw); // [B, C, gh, gw]
        Tensor flat = ops.reshape(p, -1, c, (long) gh * gw); // [B, C, N]
        return ops.permute(flat, 0, 2, 1); // [B, N, C]
    }

    /**
     * The clustering logits {@code A = scale * l2n(slots) l2n(tokens)^T}: cosine similarity of every slot with
     * every pixel, times a (learnable) temperature. {@code slots} is {@code [B, N, C]} (per-sample slots) or
     * {@code [N, C]} (slots shared by the batch, e.g. learned initial slots); {@code tokens} is {@code [B, L, C]};
     * {@code scale} a scalar tensor. Returns {@code [B, N, L]}.
     */
    public static Tensor similarity(Ops ops, Tensor slots, Tensor tokens, Tensor scale) {
        ops.expectShape(tokens, "tokens [B, L, C]", -1, Ops.ANY, Ops.ANY);
        Tensor u = ops.l2Normalize(tokens, -1, NORMALIZE_EPS);
        Tensor s = ops.l2Normalize(slots, -1, NORMALIZE_EPS);
        Tensor a;
        if (slots.rank() == 2) {
            // shared slots: one 2-D product over all pixels of the batch, no batch broadcast needed
            Tensor t = ops.linear(u, s, null); // [B, L, N]
            a = ops.permute(t, 0, 2, 1); // [B, N, L]
        } else {
            a = ops.matmul(s, u, false, true); // [B, N, L]
        }
        return ops.mul(a, scale);
    }

    /**
     * Soft clustering: {@code softmax_L(A) tokens}, each slot a convex combination of the pixels.
     * {@code logits [B, N, L]}, {@code tokens [B, L, C]}; returns {@code [B, N, C]}.
     */
    public static Tensor cluster(Ops ops, Tensor logits, Tensor tokens) {
        Tensor p = ops.softmax(logits, -1); // over pixels
        return ops.matmul(p, tokens, false, false); // [B, N, C]
    }

    /** The dispatching weights: {@code softmax} of the same logits over the slots, {@code [B, N, L]}. */
    public static Tensor dispatchWeights(Ops ops, Tensor logits) {
        return ops.softmax(logits, 1);
    }

    /**
     * Dispatching: every pixel takes the convex combination of the slots given by the softmax over slots of
     * {@code logits [B, N, L]}; {@code slots [B, N, C]}; returns {@code [B, L, C]}.
     */
    public static Tensor dispatch(Ops ops, Tensor logits, Tensor slots) {
        return ops.matmul(dispatchWeights(ops, logits), slots, true, false); // [B, L, C]
    }
}
