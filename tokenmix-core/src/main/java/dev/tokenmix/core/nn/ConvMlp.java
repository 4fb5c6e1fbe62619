package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Scope;

/**
 * timm's {@code ConvMlp}: the feed-forward block on NCHW with 1x1 convolutions,
 * {@code fc1 -> act -> drop -> fc2}. Keys {@code fc1.*}, {@code fc2.*}.
 */
public final class ConvMlp extends Module {
    private final Conv2d fc1;
    private final Conv2d fc2;
    private final Activation act;
    private final double drop;

    public ConvMlp(Scope scope, long in, long hidden, long out, Activation act, double drop) {
        super(scope);
        this.fc1 = Conv2d.builder(scope.child("fc1"), in, hidden, 1).build();
        this.fc2 = Conv2d.builder(scope.child("fc2"), hidden, out, 1).build();
        this.act = act;
        this.drop = drop;
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        Tensor h = ops.dropout(act.apply(ops, fc1.apply(ops, x)), drop);
        return fc2.apply(ops, h);
    }
}
