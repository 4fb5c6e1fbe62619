package dev.tokenmix.core.engine;

import dev.tokenmix.core.params.ParameterStore;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.validation.GradCheckUtil;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Numerical gradient check of a piece of graph built through the facade, in DOUBLE, with SameDiff's
 * {@code GradCheckUtil}: every trainable parameter and the input are perturbed one element at a time and the
 * central difference is compared with the analytic gradient. The loss is {@code sum(out ⊙ W)} with a fixed
 * random {@code W}, so the upstream gradient is never all ones.
 *
 * <p>Training-mode graphs are checked with fixed dropout/DropPath masks ({@link MaskSource#fixed}) and the
 * learning phase passed explicitly, so the numerical and analytic passes see the same function.
 *
 * <pre>{@code
 * ParameterStore store = new ParameterStore(DataType.DOUBLE);
 * Linear fc = new Linear(Scope.root(store, 1), 4, 3, true);
 * assertTrue(GradientCheck.of(store, Mode.EVAL, 2, 5, 4).check((ops, x) -> fc.apply(ops, x)).passed());
 * }</pre>
 */
public final class GradientCheck {
    private final ParameterStore store;
    private final Mode mode;
    private final long[] inputShape;
    private double eps = 1e-6;
    private double maxRelError = 1e-5;
    private double minAbsError = 1e-9;
    private long seed = 42;

    private GradientCheck(ParameterStore store, Mode mode, long[] inputShape) {
        if (store.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("gradient checks need a DOUBLE parameter store, got " + store.dataType());
        }
        this.store = store;
        this.mode = mode;
        this.inputShape = inputShape.clone();
    }

    /** A check of graphs over {@code store} on an input of concrete shape {@code inputShape} (batch first). */
    public static GradientCheck of(ParameterStore store, Mode mode, long... inputShape) {
        return new GradientCheck(store, mode, inputShape);
    }

    public GradientCheck tolerance(double maxRelError, double minAbsError) {
        this.maxRelError = maxRelError;
        this.minAbsError = minAbsError;
        return this;
    }

    public GradientCheck seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** The outcome: whether every gradient matched, and how many values were compared. */
    public record Outcome(boolean passed, long checkedValues) {
    }

    /**
     * Builds {@code body(ops, input)} and checks it. The input is uniform in [-1, 1) with its batch dimension
     * seen by the facade as dynamic.
     */
    public Outcome check(BiFunction<Ops, Tensor, Tensor> body) {
        Ops ops = new Ops(store, mode, MaskSource.fixed(inputShape[0], seed));
        SameDiff sd = ops.sameDiff();
        INDArray x = random(inputShape, seed);
        long[] symbolic = inputShape.clone();
        symbolic[0] = -1;
        Tensor input = ops.wrap(sd.var("input", x), symbolic);
        Tensor out = body.apply(ops, input);
        Map<String, INDArray> ph = new HashMap<>();
        if (ops.usesLearningPhase()) {
            ph.put(Ops.LEARNING_PHASE, Nd4j.scalar(mode == Mode.TRAIN));
        }
        INDArray y = sd.output(ph, out.var().name()).get(out.var().name());
        SDVariable w = sd.constant("gradcheck_weights", random(y.shape(), seed + 1));
        SDVariable loss = out.var().mul(w).sum();
        sd.setLossVariables(loss.name());
        long n = x.length();
        for (String key : ops.boundParameters()) {
            n += store.array(key).length();
        }
        Set<String> skip = new HashSet<>(Arrays.asList("gradcheck_weights"));
        // GradCheckUtil insists on DOUBLE as ND4J's global default while it runs.
        DataType def = Nd4j.dataType();
        DataType defFp = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        boolean ok;
        try {
            ok = Quietly.call(() -> GradCheckUtil.checkGradients(sd, ph, eps, maxRelError, minAbsError, false, false,
                    false, false, skip, null));
        } finally {
            Nd4j.setDefaultDataTypes(def, defFp);
        }
        return new Outcome(ok, n);
    }

    private static INDArray random(long[] shape, long seed) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = 2 * r.nextDouble() - 1;
        }
        return Nd4j.createFromArray(v).reshape(shape);
    }
}
