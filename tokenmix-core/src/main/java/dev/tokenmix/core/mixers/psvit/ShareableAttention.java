package dev.tokenmix.core.mixers.psvit;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.AttentionMath;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * Multi-head self-attention with PSViT's attention sharing (<a href="https://arxiv.org/abs/2108.03428">arXiv
 * 2108.03428</a>: "attention sharing will be built between the neighboring transformer layers for reusing the
 * attention maps"). A layer either
 *
 * <ul>
 *   <li><b>computes</b> its map, as timm's {@code Attention} (keys {@code qkv}, {@code proj}, so DeiT weights fit):
 *       {@code A = softmax(q kᵀ / √d)}, {@code out = proj(A v)}, and hands {@code A} on; or</li>
 *   <li><b>reuses</b> the previous layer's map {@code A [B, h, N, N]}: it has no query or key projection and computes
 *       no {@code q kᵀ}; only its value and output projections (keys {@code v}, {@code proj}) are its own:
 *       {@code out = proj(A (x W_vᵀ + b_v))}.</li>
 * </ul>
 *
 * <p>Blocks pass the map along with {@link #apply(Ops, Tensor, Tensor)}, which returns both the output and the map
 * the layer used. Sharing needs the same token count and head count in both layers.
 */
public final class ShareableAttention extends Module {
    private final long dim;
    private final long heads;
    private final boolean reuses;
    private final Linear qkv;
    private final Linear v;
    private final Linear proj;
    private final double scale;
    private final double attnDrop;
    private final double projDrop;

    /** The mixed tokens {@code [B, N, C]} and the attention map {@code [B, h, N, N]} this layer used. */
    public record Output(Tensor out, Tensor attention) {
    }

    /**
     * @param reusesAttention {@code true}: take the previous layer's map (no q/k); {@code false}: compute one
     * @param qkvBias bias of the {@code qkv} (or {@code v}) projection
     */
    public ShareableAttention(Scope scope, long dim, long heads, boolean reusesAttention, boolean qkvBias,
                              double attnDrop, double projDrop, Init weightInit) {
        super(scope);
        if (dim <= 0 || heads <= 0 || dim % heads != 0) {
            throw new IllegalArgumentException("ShareableAttention " + scope.prefix() + ": dim " + dim
                    + " must be divisible by heads " + heads);
        }
        this.dim = dim;
        this.heads = heads;
        this.reuses = reusesAttention;
        this.scale = 1.0 / Math.sqrt((double) dim / heads);
        this.qkv = reusesAttention ? null
                : new Linear(scope.child("qkv"), dim, 3 * dim, qkvBias, weightInit, Init.zeros());
        this.v = reusesAttention ? new Linear(scope.child("v"), dim, dim, qkvBias, weightInit, Init.zeros()) : null;
        this.proj = new Linear(scope.child("proj"), dim, dim, true, weightInit, Init.zeros());
        this.attnDrop = attnDrop;
        this.projDrop = projDrop;
    }

    /** Whether this layer reuses the previous layer's attention map. */
    public boolean reusesAttention() {
        return reuses;
    }

    /**
     * Mixes {@code x [B, N, C]}. {@code previous [B, h, N, N]} is required when this layer reuses attention and
     * ignored otherwise.
     */
    public Output apply(Ops ops, Tensor x, Tensor previous) {
        return call(ops, () -> mix(ops, x, previous), Output::out);
    }

    /** For a layer that computes its own map. */
    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        return mix(ops, x, null).out();
    }

    private Output mix(Ops ops, Tensor x, Tensor previous) {
        ops.expectShape(x, "attention input [B, N, " + dim + "]", -1, Ops.ANY, dim);
        long n = x.dim(1);
        Tensor attn;
        Tensor vh;
        if (reuses) {
            if (previous == null) {
                throw ops.mismatch("this layer reuses the previous layer's attention map but was given none");
            }
            ops.expectShape(previous, "shared attention map [B, " + heads + ", " + n + ", " + n + "]", -1, heads, n, n);
            attn = previous;
            vh = AttentionMath.splitHeads(ops, v.apply(ops, x), heads); // [B, h, N, d]
        } else {
            AttentionMath.Qkv qkvHeads = AttentionMath.splitQkv(ops, qkv.apply(ops, x), n, heads); // each [B, h, N, d]
            vh = qkvHeads.v();
            attn = AttentionMath.weights(ops, qkvHeads.q(), qkvHeads.k(), scale, null); // [B, h, N, N]
        }
        Tensor o = ops.matmul(ops.dropout(attn, attnDrop), vh, false, false); // [B, h, N, d]
        Tensor out = ops.dropout(proj.apply(ops, AttentionMath.mergeHeads(ops, o)), projDrop); // [B, N, C]
        return new Output(out, attn);
    }
}
