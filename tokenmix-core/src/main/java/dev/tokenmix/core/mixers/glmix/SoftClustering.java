package dev.tokenmix.core.mixers.glmix;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * GLMix's soft clustering (arXiv 2411.14429): the learnable temperature {@code slot_scale} (a scalar, initialised
 * to {@code C^-0.5}) and, with learned slot initialisation, {@code init_slots [1, N, C]} (N(0, 0.02)); otherwise
 * the slots are the {@code gh x gw} adaptive average pool of the block input. Its parameters are registered in
 * the given (block) scope, as in the official {@code GLMixBlock}.
 */
public final class SoftClustering {
    /**
     * The {@link Ops#tap} name of the clustering logits {@code [B, N, L]} (N slots, L grid positions) of every
     * soft clustering, attributed to the scope it was created in (the GLMix block's path).
     */
    public static final String LOGITS_TAP = "glmix.slot_logits";

    private final String path;
    private final String slotScale;
    private final String initSlots;
    private final long dim;
    private final int gridH;
    private final int gridW;

    /**
     * @param learnedSlots {@code true} for learned {@code init_slots}, {@code false} for pooled slots
     */
    public SoftClustering(Scope scope, long dim, int gridH, int gridW, boolean learnedSlots) {
        if (dim <= 0 || gridH <= 0 || gridW <= 0) {
            throw new IllegalArgumentException("SoftClustering " + scope.prefix() + ": dim and slot grid must be positive, got "
                    + dim + ", " + gridH + "x" + gridW);
        }
        this.path = scope.prefix();
        this.dim = dim;
        this.gridH = gridH;
        this.gridW = gridW;
        this.slotScale = scope.parameter("slot_scale", Init.constant(Math.pow(dim, -0.5)));
        this.initSlots = learnedSlots
                ? scope.parameter("init_slots", Init.normal(0.02), 1, (long) gridH * gridW, dim) : null;
    }

    public long numSlots() {
        return (long) gridH * gridW;
    }

    public boolean learnedSlots() {
        return initSlots != null;
    }

    /**
     * The clustering logits {@code [B, N, L]} between the initial slots (pooled from {@code source [B, C, H, W]},
     * or learned) and {@code tokens [B, L, C]}, marked {@link #LOGITS_TAP}. A softmax over the last axis gives the
     * clustering weights (each slot a convex combination of grid positions), a softmax over axis 1 the dispatching
     * weights (each position a convex combination of slots).
     */
    public Tensor logits(Ops ops, Tensor source, Tensor tokens) {
        Tensor slots = initSlots != null
                ? ops.reshape(ops.param(initSlots), numSlots(), dim) // [1, N, C] -> [N, C]
                : SlotOps.poolSlots(ops, source, gridH, gridW); // [B, N, C]
        return ops.tap(LOGITS_TAP, path, SlotOps.similarity(ops, slots, tokens, ops.param(slotScale)));
    }
}
