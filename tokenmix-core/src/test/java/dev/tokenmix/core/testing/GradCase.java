package dev.tokenmix.core.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.engine.GradientCheck;
import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * One gradient-check case shared by the op and layer suites: a name, the mode, the concrete input shape, and the
 * graph body built over a fresh DOUBLE scope.
 */
public record GradCase(String name, Mode mode, long[] shape, Function<Scope, BiFunction<Ops, Tensor, Tensor>> build) {

    public static GradCase eval(String name, long[] shape, Function<Scope, BiFunction<Ops, Tensor, Tensor>> build) {
        return new GradCase(name, Mode.EVAL, shape, build);
    }

    public static GradCase train(String name, long[] shape, Function<Scope, BiFunction<Ops, Tensor, Tensor>> build) {
        return new GradCase(name, Mode.TRAIN, shape, build);
    }

    /** Shorthand for a shape literal. */
    public static long[] s(long... shape) {
        return shape;
    }

    /** Builds the case over a fresh store seeded with {@code seed} and asserts that every gradient matches. */
    public void assertGradientsMatch(long seed) {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        BiFunction<Ops, Tensor, Tensor> body = build.apply(Scope.root(store, seed));
        GradientCheck.Outcome o = GradientCheck.of(store, mode, shape).check(body);
        assertTrue(o.passed(), name + ": analytic and numerical gradients differ");
        long inputs = 1;
        for (long d : shape) {
            inputs *= d;
        }
        assertTrue(o.checkedValues() >= inputs + store.parameterCount(), "checked " + o.checkedValues() + " values");
    }

    @Override
    public String toString() {
        return name;
    }
}
