package dev.tokenmix.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tokenmix.core.engine.CompiledGraph;
import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.ParameterStore;
import java.util.Map;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Builds small graphs through the facade and runs them; compares results with reference values. */
public final class Graphs {
    private Graphs() {
    }

    /** A compiled graph of {@code body} on a placeholder {@code x} of shape {@code [-1, inputShape[1:]]}. */
    public static CompiledGraph compile(ParameterStore store, Mode mode, long[] inputShape,
                                        BiFunction<Ops, Tensor, Tensor> body) {
        Ops ops = new Ops(store, mode);
        long[] sym = inputShape.clone();
        sym[0] = -1;
        Tensor in = ops.placeholder("x", sym);
        Tensor y = body.apply(ops, in);
        return new CompiledGraph(ops, in, Map.of("y", y));
    }

    /** Builds {@code body} over {@code x}'s shape and runs it in inference. */
    public static INDArray run(ParameterStore store, Mode mode, INDArray x, BiFunction<Ops, Tensor, Tensor> body) {
        return compile(store, mode, x.shape(), body).run(x, "y");
    }

    /** Same shape and every value within {@code tol} (absolute). */
    public static void assertClose(Dense expected, INDArray actual, double tol) {
        Dense a = Dense.of(actual);
        assertArrayEquals(expected.shape, a.shape, "shape");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < a.v.length; i++) {
            double d = Math.abs(expected.v[i] - a.v[i]);
            if (!(d <= worst)) {
                worst = d;
                at = i;
            }
        }
        if (!(worst <= tol)) {
            fail("max |difference| " + worst + " > " + tol + " at flat index " + at + ": expected " + expected.v[at]
                    + " but got " + a.v[at]);
        }
    }

    /** Largest absolute difference between two arrays of equal length. */
    public static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
