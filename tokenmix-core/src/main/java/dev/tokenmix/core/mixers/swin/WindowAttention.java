package dev.tokenmix.core.mixers.swin;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.AttentionMath;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * Swin's window multi-head self-attention, W-MSA and SW-MSA (arXiv 2103.14030, Sec. 3.2; timm's
 * {@code WindowAttention}), on windows {@code [B*nW, N, C]} of {@code N = ws²} tokens:
 *
 * <pre>
 * A = softmax(q kᵀ / sqrt(d) + B_rel [+ mask]) ,   y = proj(A v)
 * </pre>
 *
 * with the learned {@link RelativePositionBias} {@code B_rel} and, for shifted windows, the constant
 * {@link ShiftedWindows#attentionMask} of each window. Keys {@code relative_position_bias_table},
 * {@code relative_position_index} (buffer), {@code qkv [3C, C]}, {@code proj [C, C]}. Cost {@code O(N·ws²·C)} instead
 * of global attention's {@code O(N²·C)}.
 */
public final class WindowAttention extends Module {
    private final RelativePositionBias relativePosition;
    private final Linear qkv;
    private final Linear proj;
    private final long dim;
    private final long heads;
    private final double scale;
    private final double attnDrop;
    private final double projDrop;

    /**
     * @param windowSize side of the square window
     * @param weightInit initialiser of both linear weights (biases start at zero)
     */
    public WindowAttention(Scope scope, long dim, int windowSize, long heads, boolean qkvBias, double attnDrop,
                           double projDrop, Init weightInit) {
        super(scope);
        if (heads <= 0 || dim % heads != 0) {
            throw new IllegalArgumentException("WindowAttention " + scope.prefix() + ": dim " + dim
                    + " must be divisible by heads " + heads);
        }
        this.dim = dim;
        this.heads = heads;
        this.scale = 1.0 / Math.sqrt((double) dim / heads);
        this.relativePosition = new RelativePositionBias(scope, windowSize, windowSize, heads);
        this.qkv = new Linear(scope.child("qkv"), dim, 3 * dim, qkvBias, weightInit, Init.zeros());
        this.proj = new Linear(scope.child("proj"), dim, dim, true, weightInit, Init.zeros());
        this.attnDrop = attnDrop;
        this.projDrop = projDrop;
    }

    /**
     * Attention within each window of {@code windows [B*nW, N, C]}; {@code mask} is null or the {@code [nW, N, N]}
     * shift mask, windows of one image being consecutive.
     */
    public Tensor apply(Ops ops, Tensor windows, Tensor mask) {
        return call(ops, () -> attend(ops, windows, mask), y -> y);
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        return attend(ops, x, null);
    }

    private Tensor attend(Ops ops, Tensor x, Tensor mask) {
        long n = relativePosition.windowArea();
        ops.expectShape(x, "window attention input [B*nW, " + n + ", " + dim + "]", Ops.ANY, n, dim);
        if (x.dim(0) >= 0) {
            throw ops.mismatch("window attention input must have a batch dimension, got " + x.shapeString());
        }
        AttentionMath.Qkv h = AttentionMath.splitQkv(ops, qkv.apply(ops, x), n, heads); // each [B_, heads, N, d]
        Tensor logits = ops.add(ops.matmul(ops.mul(h.q(), scale), h.k(), false, true), relativePosition.bias(ops)); // [B_, heads, N, N]
        if (mask != null) {
            ops.expectShape(mask, "shift mask [nW, " + n + ", " + n + "]", Ops.ANY, n, n);
            long nw = mask.dim(0);
            Tensor perImage = ops.reshape(logits, -1, nw, heads, n, n); // [B, nW, heads, N, N]
            Tensor m = ops.reshape(mask, 1, nw, 1, n, n); // [1, nW, 1, N, N]
            logits = ops.reshape(ops.add(perImage, m), -1, heads, n, n); // [B_, heads, N, N]
        }
        Tensor attn = ops.dropout(ops.softmax(logits, -1), attnDrop);
        Tensor o = AttentionMath.mergeHeads(ops, ops.matmul(attn, h.v(), false, false)); // [B_, N, C]
        return ops.dropout(proj.apply(ops, o), projDrop);
    }
}
