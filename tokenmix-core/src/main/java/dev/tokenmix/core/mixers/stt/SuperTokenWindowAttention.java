package dev.tokenmix.core.mixers.stt;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.AttentionMath;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * STT's local attention (<a href="https://arxiv.org/abs/2111.13156">arXiv 2111.13156</a>: "a single Super token is
 * assigned to each image window which captures the rich local details for that window"): multi-head
 * self-attention inside each window over its {@code M²} patch tokens and its super token, on the
 * {@link WindowLayout} {@code [B·nW, 1 + M², C]}. The super token summarises its window here, and, once mixed
 * globally ({@link SuperTokenGlobalMixing}), gives the other windows' information back to its patches in the
 * next layer's window attention. Cost {@code O(N·M²·C)} instead of {@code O(N²·C)}.
 *
 * <p>Keys as timm's {@code Attention}: {@code qkv} {@code [3C, C]}, {@code proj} {@code [C, C]}.
 *
 * <p>The attention logits are marked {@link #LOGITS_TAP} under this module's path, so that the super token's
 * attention over its window can be read from a finished graph (what {@code tokenmix visualize} draws for STT).
 */
public final class SuperTokenWindowAttention extends Module {
    /**
     * The {@link Ops#tap} name of the attention logits {@code q kᵀ · scale} {@code [B·nW, heads, 1 + M², 1 + M²]}
     * of every window attention, before the softmax over the last axis (keys); query and key index 0 is the
     * window's super token, {@code 1 + M·row + col} its patch at {@code (row, col)} inside the window.
     */
    public static final String LOGITS_TAP = "stt.window_logits";

    private final long dim;
    private final long heads;
    private final int window;
    private final Linear qkv;
    private final Linear proj;
    private final double scale;
    private final double attnDrop;
    private final double projDrop;

    /**
     * @param window the window side {@code M}
     */
    public SuperTokenWindowAttention(Scope scope, long dim, long heads, int window, boolean qkvBias, double attnDrop,
                                     double projDrop, Init weightInit) {
        super(scope);
        if (dim <= 0 || heads <= 0 || dim % heads != 0 || window <= 0) {
            throw new IllegalArgumentException("SuperTokenWindowAttention " + scope.prefix() + ": dim " + dim
                    + " must be divisible by heads " + heads + " and window " + window + " positive");
        }
        this.dim = dim;
        this.heads = heads;
        this.window = window;
        this.scale = 1.0 / Math.sqrt((double) dim / heads);
        this.qkv = new Linear(scope.child("qkv"), dim, 3 * dim, qkvBias, weightInit, Init.zeros());
        this.proj = new Linear(scope.child("proj"), dim, dim, true, weightInit, Init.zeros());
        this.attnDrop = attnDrop;
        this.projDrop = projDrop;
    }

    /** Windows {@code [B·nW, 1 + M², C]} to the same shape. */
    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        long l = 1L + (long) window * window;
        ops.expectShape(x, "windows [B*nW, 1+" + window + "*" + window + ", " + dim + "]", Ops.ANY, l, dim);
        AttentionMath.Qkv h = AttentionMath.splitQkv(ops, qkv.apply(ops, x), l, heads); // each [B*nW, h, L, d]
        Tensor logits = ops.tap(LOGITS_TAP, ops.matmul(ops.mul(h.q(), scale), h.k(), false, true)); // [B*nW, h, L, L]
        Tensor attn = ops.dropout(ops.softmax(logits, -1), attnDrop);
        Tensor o = ops.matmul(attn, h.v(), false, false); // [B*nW, h, L, d]
        return ops.dropout(proj.apply(ops, AttentionMath.mergeHeads(ops, o)), projDrop); // [B*nW, L, C]
    }
}
