package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Scope;

/** PyTorch's {@code nn.Identity}: no parameters, returns its input (e.g. a removed classifier). */
public final class Identity extends Module {
    public Identity(Scope scope) {
        super(scope);
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        return x;
    }
}
