package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;

/** Parameter-free activations, as the PyTorch modules of the same names. */
public enum Activation {
    /** Exact (erf) GELU, PyTorch's {@code nn.GELU()}. */
    GELU,
    RELU,
    SILU,
    SIGMOID,
    TANH,
    IDENTITY;

    public Tensor apply(Ops ops, Tensor x) {
        switch (this) {
            case GELU:
                return ops.gelu(x);
            case RELU:
                return ops.relu(x);
            case SILU:
                return ops.silu(x);
            case SIGMOID:
                return ops.sigmoid(x);
            case TANH:
                return ops.tanh(x);
            default:
                return x;
        }
    }
}
