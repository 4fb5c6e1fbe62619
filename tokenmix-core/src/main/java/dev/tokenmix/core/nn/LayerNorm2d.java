package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/** LayerNorm over the channels of NCHW input (timm's {@code LayerNorm2d}): keys {@code weight}, {@code bias}. */
public final class LayerNorm2d extends Module {
    private final String weight;
    private final String bias;
    private final double eps;

    public LayerNorm2d(Scope scope, long channels, double eps) {
        super(scope);
        if (channels <= 0 || !(eps > 0)) {
            throw new IllegalArgumentException("LayerNorm2d " + scope.prefix() + ": channels must be positive and eps > 0, got "
                    + channels + ", " + eps);
        }
        this.weight = scope.parameter("weight", Init.ones(), channels);
        this.bias = scope.parameter("bias", Init.zeros(), channels);
        this.eps = eps;
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        ops.expectShape(x, "LayerNorm2d input [B, C, H, W]", -1, Ops.ANY, Ops.ANY, Ops.ANY);
        return ops.layerNorm(x, ops.param(weight), ops.param(bias), eps, 1);
    }

    /** The same normalisation of channels-last {@code x [B, H, W, C]}: a LayerNorm over the last axis. */
    public Tensor applyChannelsLast(Ops ops, Tensor x) {
        return call(ops, () -> {
            ops.expectShape(x, "channels-last LayerNorm2d input [B, H, W, C]", -1, Ops.ANY, Ops.ANY, Ops.ANY);
            return ops.layerNorm(x, ops.param(weight), ops.param(bias), eps, 3);
        }, y -> y);
    }
}
