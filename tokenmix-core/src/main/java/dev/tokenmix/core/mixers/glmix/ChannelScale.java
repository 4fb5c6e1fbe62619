package dev.tokenmix.core.mixers.glmix;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * LayerScale of an NCHW branch with the official GLNet's parameter shape: {@code gamma [1, C, 1, 1]}, initialised
 * to a constant (1e-4 in glnet_16g).
 */
public final class ChannelScale extends Module {
    private final String gamma;

    public ChannelScale(Scope scope, long dim, double init) {
        super(scope);
        if (dim <= 0) {
            throw new IllegalArgumentException("ChannelScale " + scope.prefix() + ": dim must be positive, got " + dim);
        }
        this.gamma = scope.parameter("gamma", Init.constant(init), 1, dim, 1, 1);
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        ops.expectShape(x, "ChannelScale input [B, C, H, W]", -1, ops.param(gamma).dim(1), Ops.ANY, Ops.ANY);
        return ops.mul(x, ops.param(gamma));
    }

    /** The same scaling of channels-last {@code x [B, H, W, C]}. */
    public Tensor applyChannelsLast(Ops ops, Tensor x) {
        return call(ops, () -> {
            Tensor g = ops.param(gamma);
            ops.expectShape(x, "channels-last ChannelScale input [B, H, W, C]", -1, Ops.ANY, Ops.ANY, g.dim(1));
            return ops.mul(x, ops.reshape(g, g.dim(1))); // [1, C, 1, 1] -> [C]
        }, y -> y);
    }
}
