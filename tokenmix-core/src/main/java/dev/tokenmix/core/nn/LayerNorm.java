package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * PyTorch's {@code nn.LayerNorm(dim, eps)} over the last axis, with the checkpoint's epsilon (timm's ViTs use
 * 1e-6, PyTorch's default is 1e-5).
 */
public final class LayerNorm extends Module {
    private final String weight;
    private final String bias;
    private final double eps;
    private final int axis;

    public LayerNorm(Scope scope, long dim, double eps) {
        this(scope, dim, eps, -1);
    }

    LayerNorm(Scope scope, long dim, double eps, int axis) {
        super(scope);
        if (dim <= 0 || !(eps > 0)) {
            throw new IllegalArgumentException("LayerNorm " + scope.prefix() + ": dim must be positive and eps > 0, got dim="
                    + dim + ", eps=" + eps);
        }
        this.weight = scope.parameter("weight", Init.ones(), dim);
        this.bias = scope.parameter("bias", Init.zeros(), dim);
        this.eps = eps;
        this.axis = axis;
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        return ops.layerNorm(x, ops.param(weight), ops.param(bias), eps, axis);
    }
}
