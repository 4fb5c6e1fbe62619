package dev.tokenmix.models.glnet;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Scope;

/**
 * GLNet's NCHW feed-forward network (arXiv 2411.14429): 1x1 expand ({@code 0}), optionally {@code y + DWConv3x3(y)}
 * ({@code 1}, the official {@code ResDWConvNCHW}), exact GELU ({@code 2}), 1x1 project ({@code 3}).
 */
public final class ConvFfn extends Module {
    private final Conv2d fc1;
    private final Conv2d dw;
    private final Conv2d fc2;

    public ConvFfn(Scope scope, long dim, long hidden, boolean residualDw) {
        super(scope);
        this.fc1 = Conv2d.builder(scope.child(0), dim, hidden, 1).build();
        this.dw = residualDw ? Conv2d.builder(scope.child(1), hidden, hidden, 3).padding(1).groups((int) hidden).build()
                : null;
        this.fc2 = Conv2d.builder(scope.child(3), hidden, dim, 1).build();
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        Tensor y = fc1.apply(ops, x);
        if (dw != null) {
            y = ops.add(y, dw.apply(ops, y));
        }
        return fc2.apply(ops, ops.gelu(y));
    }
}
