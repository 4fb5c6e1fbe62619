package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * LayerScale (Touvron et al., CaiT, arXiv 2103.17239): a learned per-channel scale of a residual branch,
 * initialised to a small value. The parameter name varies between code bases ({@code gamma} in timm's
 * {@code LayerScale}), so it is a constructor argument; {@code channelAxis} is -1 for tokens, 1 for NCHW.
 */
public final class LayerScale extends Module {
    private final String gamma;
    private final int channelAxis;

    public LayerScale(Scope scope, long dim, double initValue) {
        this(scope, "gamma", dim, initValue, -1);
    }

    public LayerScale(Scope scope, String name, long dim, double initValue, int channelAxis) {
        super(scope);
        if (dim <= 0) {
            throw new IllegalArgumentException("LayerScale " + scope.prefix() + ": dim must be positive, got " + dim);
        }
        this.gamma = scope.parameter(name, Init.constant(initValue), dim);
        this.channelAxis = channelAxis;
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        Tensor g = ops.param(gamma);
        if (channelAxis == -1 || channelAxis == x.rank() - 1) {
            return ops.mul(x, g);
        }
        long[] s = new long[x.rank() - channelAxis];
        java.util.Arrays.fill(s, 1L);
        s[0] = g.dim(0);
        return ops.mul(x, ops.reshape(g, s));
    }
}
