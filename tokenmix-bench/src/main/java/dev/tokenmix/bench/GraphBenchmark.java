package dev.tokenmix.bench;

import dev.tokenmix.core.engine.Backend;
import dev.tokenmix.core.engine.CompiledGraph;
import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.engine.TrainingStep;
import dev.tokenmix.core.params.ParameterStore;
import java.util.Map;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.openjdk.jmh.annotations.Benchmark;

/**
 * The two measurements every graph-level benchmark here makes of one body (a primitive, a token mixer, a block)
 * on a batch {@link #x}: {@code forward}, the eval graph's output through {@link CompiledGraph}, and
 * {@code forwardBackward}, the loss {@code mean(y^2)} and every parameter's gradient through {@link TrainingStep}
 * (no optimizer). A subclass declares its JMH state and parameters, sets {@code x} and calls {@link #compile} from
 * its {@code @Setup}.
 */
public abstract class GraphBenchmark {
    /** The input batch, batch first; set by the subclass before {@link #compile}. */
    protected INDArray x;
    private CompiledGraph eval;
    private TrainingStep step;

    /**
     * Builds the eval graph and the training step of {@code body} over {@code store} for inputs shaped like
     * {@link #x} with any batch, then runs each once (graph building is not measured).
     *
     * @param store the parameters
     * @param body the computation from the input to the measured output
     */
    protected final void compile(ParameterStore store, BiFunction<Ops, Tensor, Tensor> body) {
        System.out.println("# tokenmix backend: " + Backend.current().describe());
        long[] shape = x.shape().clone(); // shape() is the array's own
        shape[0] = -1; // the batch
        Ops ops = new Ops(store, Mode.EVAL);
        Tensor in = ops.placeholder("input", shape);
        eval = new CompiledGraph(ops, in, Map.of("y", body.apply(ops, in)));
        Ops train = new Ops(store, Mode.TRAIN);
        Tensor y = body.apply(train, train.placeholder("input", shape));
        step = new TrainingStep(train, train.wrap(train.square(y).var().mean(), new long[0]));
        forward();
        forwardBackward();
    }

    /** The eval-mode output of {@link #x}. */
    @Benchmark
    public INDArray forward() {
        return eval.run(x, "y");
    }

    /** Loss and gradients of {@link #x}. */
    @Benchmark
    public double forwardBackward() {
        return step.runInPlace(Map.of("input", x)).loss();
    }
}
