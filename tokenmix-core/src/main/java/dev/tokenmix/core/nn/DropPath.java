package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Scope;

/**
 * timm's {@code DropPath} (stochastic depth, Huang et al. 2016): in training executions drops a residual branch
 * per sample with probability {@code p} and scales the kept samples by {@code 1/(1-p)}.
 */
public final class DropPath extends Module {
    private final double p;

    public DropPath(Scope scope, double p) {
        super(scope);
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("DropPath " + scope.prefix() + ": p must be in [0, 1), got " + p);
        }
        this.p = p;
    }

    public double rate() {
        return p;
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        return ops.dropPath(x, p);
    }
}
