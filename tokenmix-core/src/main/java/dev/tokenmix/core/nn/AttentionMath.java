package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import java.util.List;

/**
 * Scaled dot-product attention written with rank-4 matrix products, which in ND4J 1.0.0-M2.1 is faster than
 * its fused attention ops, has correct gradients, and takes an additive bias (relative positions, masks).
 */
public final class AttentionMath {
    private AttentionMath() {
    }

    /**
     * {@code softmax(q kᵀ · scale + bias) v} with dropout {@code attnDrop} on the attention map.
     *
     * @param q {@code [B, H, Nq, d]}
     * @param k {@code [B, H, Nk, d]}
     * @param v {@code [B, H, Nk, dv]}
     * @param bias null, or broadcastable to {@code [B, H, Nq, Nk]}
     * @return {@code [B, H, Nq, dv]}
     */
    public static Tensor scaledDotProduct(Ops ops, Tensor q, Tensor k, Tensor v, double scale, Tensor bias,
                                          double attnDrop) {
        Tensor attn = ops.dropout(weights(ops, q, k, scale, bias), attnDrop);
        return ops.matmul(attn, v, false, false); // [B, H, Nq, dv]
    }

    /**
     * The attention map alone, {@code softmax(q kᵀ · scale + bias)} over the keys, for layers that hand it on
     * (PSViT's attention sharing) or inspect it.
     *
     * @return {@code [B, H, Nq, Nk]}
     */
    public static Tensor weights(Ops ops, Tensor q, Tensor k, double scale, Tensor bias) {
        Tensor attn = ops.matmul(ops.mul(q, scale), k, false, true); // [B, H, Nq, Nk]
        if (bias != null) {
            attn = ops.add(attn, bias);
        }
        return ops.softmax(attn, -1);
    }

    /** The query, key and value heads of one packed projection, each {@code [B, H, N, d]}. */
    public record Qkv(Tensor q, Tensor k, Tensor v) {
    }

    /**
     * Splits a packed {@code qkv} projection, laid out as timm's {@code (3, heads, d)} on the last axis, into
     * query, key and value heads.
     *
     * @param qkv {@code [B, N, 3*H*d]}
     * @param n the token count N (static)
     * @return q, k, v, each {@code [B, H, N, d]}
     */
    public static Qkv splitQkv(Ops ops, Tensor qkv, long n, long heads) {
        long d = qkv.dim(2) / (3 * heads);
        Tensor t = ops.reshape(qkv, -1, n, 3, heads, d); // [B, N, 3H*d] -> [B, N, 3, H, d]
        t = ops.permute(t, 2, 0, 3, 1, 4); // [B, N, 3, H, d] -> [3, B, H, N, d]
        List<Tensor> parts = ops.unbind(t, 0); // each [B, H, N, d]
        return new Qkv(parts.get(0), parts.get(1), parts.get(2));
    }

    /** {@code [B, N, H*d]} to {@code [B, H, N, d]}. */
    public static Tensor splitHeads(Ops ops, Tensor x, long heads) {
        long n = x.dim(1);
        long d = x.dim(2) / heads;
        return ops.permute(ops.reshape(x, -1, n, heads, d), 0, 2, 1, 3); // [B, N, H, d] -> [B, H, N, d]
    }

    /** {@code [B, H, N, d]} to {@code [B, N, H*d]}. */
    public static Tensor mergeHeads(Ops ops, Tensor x) {
        long h = x.dim(1);
        long n = x.dim(2);
        long d = x.dim(3);
        return ops.reshape(ops.permute(x, 0, 2, 1, 3), -1, n, h * d); // [B, N, H, d] -> [B, N, H*d]
    }
}
