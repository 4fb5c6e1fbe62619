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

    /**
     * timm's stochastic-depth schedule: the rate of block {@code index} of {@code total}, rising linearly from 0 at
     * the first block to {@code maxRate} at the last (0 for a single block).
     */
    public static double linearRate(double maxRate, int index, int total) {
        return total == 1 ? 0 : maxRate * index / (total - 1);
    }

    public double rate() {
        return p;
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        return ops.dropPath(x, p);
    }
}
