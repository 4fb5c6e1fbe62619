package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * ResMLP's {@code Affine} "norm" (Touvron et al., <a href="https://arxiv.org/abs/2105.03404">arXiv 2105.03404</a>):
 * a learned per-channel {@code alpha * x + beta} over the last axis of tokens, without any statistics. Keys
 * {@code alpha [1, 1, dim]} (initialised to 1) and {@code beta [1, 1, dim]} (0), as timm stores them.
 */
public final class Affine extends Module {
    private final String alpha;
    private final String beta;
    private final long dim;

    public Affine(Scope scope, long dim) {
        super(scope);
        if (dim <= 0) {
            throw new IllegalArgumentException("Affine " + scope.prefix() + ": dim must be positive, got " + dim);
        }
        this.dim = dim;
        this.alpha = scope.parameter("alpha", Init.ones(), 1, 1, dim);
        this.beta = scope.parameter("beta", Init.zeros(), 1, 1, dim);
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        if (x.dim(-1) != dim) {
            throw ops.mismatch("Affine expects last dimension " + dim + " but got input " + x.shapeString());
        }
        return ops.add(ops.mul(x, ops.param(alpha)), ops.param(beta));
    }
}
