package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Scope;

/**
 * A building block with PyTorch semantics. Its parameters are registered in a {@link Scope} when it is
 * constructed, under the same keys as the PyTorch module's state_dict; its graph is built by
 * {@link #apply}, once per graph.
 */
public abstract class Module {
    private final String path;

    protected Module(Scope scope) {
        this.path = scope.prefix();
    }

    /** The module's path: the key prefix of its parameters ({@code blocks.3.attn}). */
    public String path() {
        return path;
    }

    /**
     * Builds this module on {@code x}: shape errors and counted multiply-adds are attributed to this module's
     * path, and its output shape is recorded.
     */
    public final Tensor apply(Ops ops, Tensor x) {
        ops.enter(path, getClass().getSimpleName());
        Tensor y;
        try {
            y = forward(ops, x);
        } catch (RuntimeException e) {
            ops.abandon();
            throw e;
        }
        ops.exit(y);
        return y;
    }

    /** The module's computation; call {@link #apply} rather than this. */
    protected abstract Tensor forward(Ops ops, Tensor x);
}
