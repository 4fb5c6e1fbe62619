package dev.tokenmix.core.mixers.swat;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.AttentionMath;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * SWAT's structure-aware multi-head self-attention (<a href="https://arxiv.org/abs/2111.13677">arXiv 2111.13677</a>,
 * the official {@code ConvAttention} and, with an attention bias, {@code ConvWindowAttention}). Each projection is the
 * average of a linear layer on the flat token and a {@code k x k} convolution on the token viewed as its
 * {@code c x h x w} image, so the projections see the spatial structure within tokens:
 *
 * <pre>
 * [q k v] = ½ (qkv_linear(x) + tokens(qkv(images(x))))      images: [B, N, c·h·w] -> [B·N, c, h, w]
 * o       = softmax(q kᵀ / sqrt(d) + bias) v                 heads split the token into contiguous chunks of d = C/heads
 * y       = ½ (proj_linear(o) + tokens(proj(images(o))))
 * </pre>
 *
 * <p>With {@code heads == c} (SWAT DeiT) each head is exactly one structure channel, an {@code h x w} image. The input
 * may be {@code [B, N, C]} or a batch of windows {@code [B*nW, N, C]}. Keys
 * {@code qkv_linear [3C, C]}, {@code qkv [3c, c, k, k]}, {@code proj [c, c, k, k]} (both convolutions with the qkv
 * bias setting), {@code proj_linear [C, C]}.
 */
public final class StructureAwareAttention extends Module {
    private final Linear qkvLinear;
    private final Conv2d qkv;
    private final Conv2d proj;
    private final Linear projLinear;
    private final long dim;
    private final long heads;
    private final long c;
    private final long h;
    private final long w;
    private final double scale;
    private final double attnDrop;
    private final double projDrop;

    /**
     * @param dim token width {@code C = c·h·w}
     * @param heads attention heads (must divide {@code dim})
     * @param c structure channels of a token
     * @param h rows of a token's image
     * @param w columns of a token's image
     * @param kernel odd kernel of both structure convolutions
     * @param linearInit initialiser of the two linear weights (their biases start at zero); convolutions keep
     *     PyTorch's default, as in the official code
     */
    public StructureAwareAttention(Scope scope, long dim, long heads, long c, long h, long w, int kernel, boolean qkvBias,
                                   double attnDrop, double projDrop, Init linearInit) {
        this(scope, dim, heads, c, h, w, kernel, qkvBias, attnDrop, projDrop, linearInit, KeyOrder.LINEAR_FIRST);
    }

    /**
     * Where the official modules register {@code qkv_linear} relative to the {@code qkv} convolution, which fixes the
     * order of the state_dict: DeiT's {@code ConvAttention} registers the linear layer first, SWAT-Swin's
     * {@code ConvWindowAttention} the convolution.
     */
    public enum KeyOrder {
        LINEAR_FIRST,
        CONV_FIRST
    }

    /** As above, with the state_dict order of {@code keyOrder}. */
    public StructureAwareAttention(Scope scope, long dim, long heads, long c, long h, long w, int kernel, boolean qkvBias,
                                   double attnDrop, double projDrop, Init linearInit, KeyOrder keyOrder) {
        super(scope);
        String where = "StructureAwareAttention " + scope.prefix() + ": ";
        if (heads <= 0 || dim % heads != 0) {
            throw new IllegalArgumentException(where + "dim " + dim + " must be divisible by heads " + heads);
        }
        if (c <= 0 || h <= 0 || w <= 0 || c * h * w != dim) {
            throw new IllegalArgumentException(where + "token structure c=" + c + ", h=" + h + ", w=" + w
                    + " must multiply to dim " + dim);
        }
        if (kernel <= 0 || kernel % 2 == 0) {
            throw new IllegalArgumentException(where + "kernel must be odd and positive, got " + kernel);
        }
        this.dim = dim;
        this.heads = heads;
        this.c = c;
        this.h = h;
        this.w = w;
        this.scale = 1.0 / Math.sqrt((double) dim / heads);
        Conv2d.Builder qkvConv = Conv2d.builder(scope.child("qkv"), c, 3 * c, kernel).padding(kernel / 2).bias(qkvBias);
        Conv2d convFirst = keyOrder == KeyOrder.CONV_FIRST ? qkvConv.build() : null;
        this.qkvLinear = new Linear(scope.child("qkv_linear"), dim, 3 * dim, qkvBias, linearInit, Init.zeros());
        this.qkv = convFirst != null ? convFirst : qkvConv.build();
        this.proj = Conv2d.builder(scope.child("proj"), c, c, kernel).padding(kernel / 2).bias(qkvBias).build();
        this.projLinear = new Linear(scope.child("proj_linear"), dim, dim, true, linearInit, Init.zeros());
        this.attnDrop = attnDrop;
        this.projDrop = projDrop;
    }

    /**
     * Attention with an additive bias on the logits (Swin's relative positions and shift mask), broadcastable to
     * {@code [B, heads, N, N]}; null for none.
     */
    public Tensor apply(Ops ops, Tensor x, Tensor bias) {
        return call(ops, () -> attend(ops, x, bias), y -> y);
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        return attend(ops, x, null);
    }

    private Tensor attend(Ops ops, Tensor x, Tensor bias) {
        TokenStructure.expectTokens(ops, x, c, h, w); // [B, N, C] or windows [B*nW, N, C]
        long n = x.dim(1);
        Tensor conv = TokenStructure.imagesAsTokens(ops,
                qkv.apply(ops, TokenStructure.tokensAsImages(ops, x, c, h, w)), n); // [B, N, 3C]: (3, c, h, w) order
        Tensor both = ops.mul(ops.add(qkvLinear.apply(ops, x), conv), 0.5); // [B, N, 3C]
        AttentionMath.Qkv qkvHeads = AttentionMath.splitQkv(ops, both, n, heads); // each [B, heads, N, d]
        Tensor o = AttentionMath.mergeHeads(ops, AttentionMath.scaledDotProduct(ops,
                qkvHeads.q(), qkvHeads.k(), qkvHeads.v(), scale, bias, attnDrop));
        Tensor oc = TokenStructure.imagesAsTokens(ops,
                proj.apply(ops, TokenStructure.tokensAsImages(ops, o, c, h, w)), n); // [B, N, C]
        Tensor y = ops.mul(ops.add(projLinear.apply(ops, o), oc), 0.5);
        return ops.dropout(y, projDrop);
    }
}
