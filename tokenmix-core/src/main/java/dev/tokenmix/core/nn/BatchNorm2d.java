package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * PyTorch's {@code nn.BatchNorm2d}: {@code weight}, {@code bias}, and the buffers {@code running_mean},
 * {@code running_var}, {@code num_batches_tracked}. Batch statistics in training executions, running statistics
 * otherwise; a training step updates the running statistics with {@code momentum} and the unbiased variance.
 */
public final class BatchNorm2d extends Module {
    private final String weight;
    private final String bias;
    private final String runningMean;
    private final String runningVar;
    private final double eps;
    private final double momentum;

    /** With PyTorch's defaults, eps 1e-5 and momentum 0.1. */
    public BatchNorm2d(Scope scope, long channels) {
        this(scope, channels, 1e-5, 0.1);
    }

    public BatchNorm2d(Scope scope, long channels, double eps, double momentum) {
        super(scope);
        if (channels <= 0 || !(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("BatchNorm2d " + scope.prefix() + ": need channels > 0, eps > 0, 0 <= momentum <= 1; got "
                    + channels + ", " + eps + ", " + momentum);
        }
        this.weight = scope.parameter("weight", Init.ones(), channels);
        this.bias = scope.parameter("bias", Init.zeros(), channels);
        this.runningMean = scope.buffer("running_mean", Init.zeros(), channels);
        this.runningVar = scope.buffer("running_var", Init.ones(), channels);
        scope.buffer("num_batches_tracked", Init.zeros());
        this.eps = eps;
        this.momentum = momentum;
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        return ops.batchNorm2d(x, ops.param(weight), ops.param(bias), runningMean, runningVar, eps, momentum);
    }
}
