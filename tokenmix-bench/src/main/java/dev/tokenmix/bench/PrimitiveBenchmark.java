package dev.tokenmix.bench;

import dev.tokenmix.core.engine.CompiledGraph;
import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.engine.TrainingStep;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Every graph primitive of tokenmix at a representative shape ({@link Primitive} lists them and their shapes),
 * through the same path as the models: a {@link CompiledGraph} for {@code forward} (eval mode) and a
 * {@link TrainingStep} for {@code forwardBackward} (training mode, loss {@code mean(y²)}, gradients of every
 * parameter). Graphs are built in the setup and not timed.
 *
 * <p>Run all with {@code scripts/jmh.sh PrimitiveBenchmark}, or some with
 * {@code scripts/jmh.sh PrimitiveBenchmark -p primitive=linear,attention}.
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 3, time = 2, timeUnit = TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Xms1g", "-XX:+UseParallelGC",
        "-Dorg.bytedeco.javacpp.maxbytes=6G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=12G"})
public class PrimitiveBenchmark extends GraphBenchmark {

    @Param({"linear", "layernorm", "mlp", "attention", "conv3x3", "depthwise7x7", "depthwise3x3", "layernorm2d",
        "conv1x1", "conv1x1_channels_last", "mha", "p2c_clustering", "paca_attention", "glmix_mixer"})
    public String primitive;

    @Param({"8"})
    public int batch;


    @Setup
    public void setup() {
        Primitive p = Primitive.of(primitive);
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        BiFunction<Ops, Tensor, Tensor> f = p.create(Scope.root(store, 1));
        long[] sample = p.sampleShape();
        long[] shape = new long[sample.length + 1];
        shape[0] = batch;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        Nd4j.getRandom().setSeed(42);
        x = Nd4j.randn(DataType.FLOAT, shape);
        compile(store, f);
    }
}
