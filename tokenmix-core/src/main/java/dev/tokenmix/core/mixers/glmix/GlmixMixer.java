package dev.tokenmix.core.mixers.glmix;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.nn.MultiheadAttention;
import dev.tokenmix.core.nn.TokenGrid;
import dev.tokenmix.core.params.Scope;

/**
 * The token mixer of a GLMix block (arXiv 2411.14429): the global branch (soft clustering into slots, multi-head
 * self-attention among the slots with {@code nn.MultiheadAttention} semantics, dispatching back to the grid) plus
 * the local convolutional branch, both on the same normalised map. Built from its parts so the block can register
 * them in the official key order ({@code slot_scale}, ..., {@code relation_mha}, {@code feature_conv}).
 */
public final class GlmixMixer {
    private final SoftClustering clustering;
    private final MultiheadAttention relation;
    private final LocalBranch local;

    /** The two branches' outputs and the clustering logits (for visualising the slot assignments). */
    public record Result(Tensor global, Tensor local, Tensor logits) {
        /** The fused mixer output {@code global + local}. */
        public Tensor sum(Ops ops) {
            return ops.add(global, local);
        }
    }

    public GlmixMixer(SoftClustering clustering, MultiheadAttention relation, LocalBranch local) {
        this.clustering = clustering;
        this.relation = relation;
        this.local = local;
    }

    /** Builds a mixer under {@code scope} with the official names: {@code relation_mha}, {@code feature_conv}. */
    public static GlmixMixer create(SoftClustering clustering, Scope scope, long dim, long heads, int localKernel) {
        MultiheadAttention mha = new MultiheadAttention(scope.child("relation_mha"), dim, heads, 0.0);
        LocalBranch lb = new LocalBranch(scope.child("feature_conv"), dim, localKernel);
        return new GlmixMixer(clustering, mha, lb);
    }

    /**
     * Mixes {@code u [B, C, H, W]} (the normalised block input); the initial slots are pooled from
     * {@code slotSource [B, C, H, W]} (the raw block input; ignored with learned slots). Both outputs are NCHW.
     */
    public Result mix(Ops ops, Tensor slotSource, Tensor u) {
        ops.expectShape(u, "GLMix input [B, C, H, W]", -1, Ops.ANY, Ops.ANY, Ops.ANY);
        Result r = mixChannelsLast(ops, slotSource, TokenGrid.toChannelsLast(ops, u));
        return new Result(TokenGrid.fromChannelsLast(ops, r.global()), TokenGrid.fromChannelsLast(ops, r.local()),
                r.logits());
    }

    /**
     * As {@link #mix}, on channels-last {@code u [B, H, W, C]} with channels-last outputs: its tokens are a view of
     * it, and the local branch's convolutions run channels-last, where they are faster. The slot source stays NCHW.
     */
    public Result mixChannelsLast(Ops ops, Tensor slotSource, Tensor u) {
        ops.expectShape(u, "channels-last GLMix input [B, H, W, C]", -1, Ops.ANY, Ops.ANY, Ops.ANY);
        long h = u.dim(1);
        long w = u.dim(2);
        long c = u.dim(3);
        Tensor tokens = ops.reshape(u, -1, h * w, c); // [B, H, W, C] -> [B, L, C]
        Tensor logits = clustering.logits(ops, slotSource, tokens); // [B, N, L]
        Tensor slots = SlotOps.cluster(ops, logits, tokens); // [B, N, C]
        slots = relation.apply(ops, slots, slots, slots); // [B, N, C]
        Tensor g = ops.reshape(SlotOps.dispatch(ops, logits, slots), -1, h, w, c); // [B, L, C] -> [B, H, W, C]
        return new Result(g, local.applyChannelsLast(ops, u), logits);
    }

    /**
     * The residual fusion {@code shortcut + DropPath(scale * branch)}; {@code scale} and {@code dropPath} may be
     * null (no LayerScale, no stochastic depth).
     */
    public static Tensor fuse(Ops ops, Tensor shortcut, Tensor branch, Module scale, DropPath dropPath) {
        Tensor b = scale == null ? branch : scale.apply(ops, branch);
        if (dropPath != null) {
            b = dropPath.apply(ops, b);
        }
        return ops.add(shortcut, b);
    }

    /** As {@link #fuse}, on channels-last maps {@code [B, H, W, C]} with a channel scale (or null). */
    public static Tensor fuseChannelsLast(Ops ops, Tensor shortcut, Tensor branch, ChannelScale scale,
                                          DropPath dropPath) {
        return fuse(ops, shortcut, scale == null ? branch : scale.applyChannelsLast(ops, branch), null, dropPath);
    }
}
