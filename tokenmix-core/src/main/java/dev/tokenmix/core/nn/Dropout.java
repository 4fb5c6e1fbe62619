package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Scope;

/** PyTorch's {@code nn.Dropout(p)}: inverted dropout in training executions, identity otherwise. */
public final class Dropout extends Module {
    private final double p;

    public Dropout(Scope scope, double p) {
        super(scope);
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("Dropout " + scope.prefix() + ": p must be in [0, 1), got " + p);
        }
        this.p = p;
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        return ops.dropout(x, p);
    }
}
