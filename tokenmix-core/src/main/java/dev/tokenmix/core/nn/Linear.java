package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * PyTorch's {@code nn.Linear}: {@code weight [out, in]}, optional {@code bias [out]}, applied over the last
 * axis of any-rank input.
 */
public final class Linear extends Module {
    private final String weight;
    private final String bias;
    private final long in;
    private final long out;

    /** With PyTorch's default initialisation. */
    public Linear(Scope scope, long in, long out, boolean bias) {
        this(scope, in, out, bias, Init.torchDefault(), Init.torchDefaultBias(in));
    }

    public Linear(Scope scope, long in, long out, boolean bias, Init weightInit, Init biasInit) {
        super(scope);
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException("Linear " + scope.prefix() + ": in and out must be positive, got in="
                    + in + ", out=" + out);
        }
        this.in = in;
        this.out = out;
        this.weight = scope.parameter("weight", weightInit, out, in);
        this.bias = bias ? scope.parameter("bias", biasInit, out) : null;
    }

    public long inFeatures() {
        return in;
    }

    public long outFeatures() {
        return out;
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        return ops.linear(x, ops.param(weight), bias == null ? null : ops.param(bias));
    }
}
