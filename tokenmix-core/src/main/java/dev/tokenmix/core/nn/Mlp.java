package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * timm's {@code Mlp}, the transformer feed-forward block: {@code fc1 -> act -> drop -> fc2 -> drop} over the
 * last axis. Keys {@code fc1.*}, {@code fc2.*}.
 */
public final class Mlp extends Module {
    private final Linear fc1;
    private final Linear fc2;
    private final Activation act;
    private final double drop;

    /** GELU, no dropout, PyTorch's default initialisation. */
    public Mlp(Scope scope, long in, long hidden) {
        this(scope, in, hidden, in, Activation.GELU, 0.0, Init.torchDefault(), null);
    }

    /**
     * @param weightInit initialiser of both weights; {@code biasInit} null means PyTorch's default bias init
     */
    public Mlp(Scope scope, long in, long hidden, long out, Activation act, double drop, Init weightInit, Init biasInit) {
        super(scope);
        this.fc1 = new Linear(scope.child("fc1"), in, hidden, true, weightInit,
                biasInit != null ? biasInit : Init.torchDefaultBias(in));
        this.fc2 = new Linear(scope.child("fc2"), hidden, out, true, weightInit,
                biasInit != null ? biasInit : Init.torchDefaultBias(hidden));
        this.act = act;
        this.drop = drop;
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        Tensor h = ops.dropout(act.apply(ops, fc1.apply(ops, x)), drop);
        return ops.dropout(fc2.apply(ops, h), drop);
    }
}
