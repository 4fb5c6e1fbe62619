package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Scope;

/**
 * PyTorch's {@code nn.AdaptiveAvgPool2d((outH, outW))} on NCHW, with PyTorch's window rule (windows overlap when
 * the sizes do not divide, e.g. 14 to 8).
 */
public final class AdaptiveAvgPool2d extends Module {
    private final int outH;
    private final int outW;

    public AdaptiveAvgPool2d(Scope scope, int outH, int outW) {
        super(scope);
        if (outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException("AdaptiveAvgPool2d " + scope.prefix() + ": output size must be positive, got "
                    + outH + "x" + outW);
        }
        this.outH = outH;
        this.outW = outW;
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        if (x.rank() == 4 && (x.dim(2) < outH || x.dim(3) < outW)) {
            throw ops.mismatch("adaptive pooling to " + outH + "x" + outW + " needs at least that many input cells, got "
                    + x.shapeString());
        }
        return ops.adaptiveAvgPool2d(x, outH, outW);
    }
}
