package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * PyTorch's {@code nn.MultiheadAttention(embed_dim, num_heads, bias=True)} with its packed parameters:
 * {@code in_proj_weight [3E, E]}, {@code in_proj_bias [3E]}, {@code out_proj.weight [E, E]},
 * {@code out_proj.bias [E]}. Inputs are batch-first {@code [B, L, E]} (permute PyTorch's default
 * sequence-first layout before calling). Initialised as PyTorch does: xavier-uniform in_proj, zero biases.
 */
public final class MultiheadAttention extends Module {
    private final String inProjWeight;
    private final String inProjBias;
    private final Linear outProj;
    private final long embed;
    private final long heads;
    private final double dropout;

    public MultiheadAttention(Scope scope, long embedDim, long numHeads, double dropout) {
        super(scope);
        if (numHeads <= 0 || embedDim % numHeads != 0) {
            throw new IllegalArgumentException("MultiheadAttention " + scope.prefix() + ": embedDim " + embedDim
                    + " must be divisible by numHeads " + numHeads);
        }
        this.embed = embedDim;
        this.heads = numHeads;
        this.dropout = dropout;
        double xavier = Math.sqrt(6.0 / (embedDim + 3 * embedDim));
        this.inProjWeight = scope.parameter("in_proj_weight", Init.uniform(xavier), 3 * embedDim, embedDim);
        this.inProjBias = scope.parameter("in_proj_bias", Init.zeros(), 3 * embedDim);
        this.outProj = new Linear(scope.child("out_proj"), embedDim, embedDim, true, Init.torchDefault(), Init.zeros());
    }

    /** Self-attention: query = key = value = {@code x}. */
    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        return attend(ops, x, x, x);
    }

    /** Attention of {@code query [B, Lq, E]} over {@code key}/{@code value [B, Lk, E]}; returns {@code [B, Lq, E]}. */
    public Tensor apply(Ops ops, Tensor query, Tensor key, Tensor value) {
        return call(ops, () -> attend(ops, query, key, value), r -> r);
    }

    private Tensor attend(Ops ops, Tensor query, Tensor key, Tensor value) {
        ops.expectShape(query, "query [B, L, " + embed + "]", -1, Ops.ANY, embed);
        ops.expectShape(key, "key [B, L, " + embed + "]", -1, Ops.ANY, embed);
        ops.expectShape(value, "value [B, L, " + embed + "]", -1, key.dim(1), embed);
        Tensor w = ops.param(inProjWeight);
        Tensor b = ops.param(inProjBias);
        Tensor q = project(ops, query, w, b, 0);
        Tensor k = project(ops, key, w, b, 1);
        Tensor v = project(ops, value, w, b, 2);
        double scale = 1.0 / Math.sqrt((double) embed / heads);
        Tensor o = AttentionMath.scaledDotProduct(ops, q, k, v, scale, null, dropout); // [B, H, Lq, d]
        return outProj.apply(ops, AttentionMath.mergeHeads(ops, o));
    }

    private Tensor project(Ops ops, Tensor x, Tensor w, Tensor b, int part) {
        Tensor wp = ops.slice(w, 0, part * embed, (part + 1) * embed); // [E, E]
        Tensor bp = ops.slice(b, 0, part * embed, (part + 1) * embed); // [E]
        return AttentionMath.splitHeads(ops, ops.linear(x, wp, bp), heads); // [B, H, L, d]
    }
}
