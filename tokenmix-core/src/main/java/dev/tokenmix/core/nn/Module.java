package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Scope;
import java.util.function.Function;
import java.util.function.Supplier;

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
        return call(ops, () -> forward(ops, x), y -> y);
    }

    /**
     * Builds {@code body} as one call of this module, for entry points with more inputs or outputs than
     * {@link #apply}: errors and counts go to this module's path, and {@code output} picks the tensor whose shape
     * is recorded.
     */
    protected final <T> T call(Ops ops, Supplier<T> body, Function<T, Tensor> output) {
        ops.enter(path, getClass().getSimpleName());
        T result;
        try {
            result = body.get();
        } catch (RuntimeException e) {
            ops.abandon();
            throw e;
        }
        ops.exit(output.apply(result));
        return result;
    }

    /** The module's computation; call {@link #apply} rather than this. */
    protected abstract Tensor forward(Ops ops, Tensor x);
}
