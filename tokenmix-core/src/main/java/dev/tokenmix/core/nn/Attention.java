package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * timm's multi-head self-attention ({@code timm.models.vision_transformer.Attention}, Vaswani et al.
 * arXiv 1706.03762) on tokens {@code [B, N, C]}: one packed {@code qkv} projection and an output {@code proj}.
 * Keys {@code qkv.weight [3C, C]}, {@code qkv.bias}, {@code proj.weight}, {@code proj.bias}.
 */
public final class Attention extends Module {
    private final Linear qkv;
    private final Linear proj;
    private final long dim;
    private final long heads;
    private final double scale;
    private final double attnDrop;
    private final double projDrop;

    public Attention(Scope scope, long dim, long heads, boolean qkvBias, double attnDrop, double projDrop, Init weightInit) {
        super(scope);
        if (heads <= 0 || dim % heads != 0) {
            throw new IllegalArgumentException("Attention " + scope.prefix() + ": dim " + dim
                    + " must be divisible by numHeads " + heads);
        }
        this.dim = dim;
        this.heads = heads;
        this.scale = 1.0 / Math.sqrt((double) dim / heads);
        this.qkv = new Linear(scope.child("qkv"), dim, 3 * dim, qkvBias, weightInit, Init.zeros());
        this.proj = new Linear(scope.child("proj"), dim, dim, true, weightInit, Init.zeros());
        this.attnDrop = attnDrop;
        this.projDrop = projDrop;
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        ops.expectShape(x, "attention input [B, N, " + dim + "]", -1, Ops.ANY, dim);
        long n = x.dim(1);
        AttentionMath.Qkv h = AttentionMath.splitQkv(ops, qkv.apply(ops, x), n, heads); // each [B, H, N, d]
        Tensor o = AttentionMath.scaledDotProduct(ops, h.q(), h.k(), h.v(), scale, null, attnDrop);
        return ops.dropout(proj.apply(ops, AttentionMath.mergeHeads(ops, o)), projDrop);
    }
}
