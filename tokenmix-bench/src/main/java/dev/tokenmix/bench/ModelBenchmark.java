package dev.tokenmix.bench;

import dev.tokenmix.core.engine.Backend;
import dev.tokenmix.core.engine.TrainingStep;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.TokenMix;
import dev.tokenmix.train.optim.AdamW;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Wall time of one eval forward pass and of one training step of a registered model, on random NCHW input.
 *
 * <ul>
 *   <li>{@code forward}: {@link Model#forward(INDArray)}, logits of a {@code [batch, 3, imgSize, imgSize]} batch
 *       in eval mode;</li>
 *   <li>{@code trainStep}: {@link TrainingStep#run} (forward, soft-target cross-entropy, backward, BatchNorm
 *       statistics) followed by {@link AdamW#step} over all parameters, with soft one-hot targets (label
 *       smoothing 0.1).</li>
 * </ul>
 *
 * <p>The model is built and its graph warmed up once per trial ({@code @Setup(Level.Trial)}), so graph
 * construction is not measured. The setup prints the backend and the native binary that actually runs
 * ({@link Backend#describe()}) to the fork's stdout. Run it with {@code scripts/jmh.sh ModelBenchmark}; see
 * {@code docs/benchmarks.md}. The {@code model} parameter takes any registered name: {@code scripts/jmh.sh --models
 * '*' ModelBenchmark} expands a pattern over the registry into {@code -p model=...}, so new families are benchmarked
 * without a change here.
 *
 * <p>The counts suit a 2-core machine where one forward pass of DeiT-Tiny at batch 8 takes about 0.6 s and a
 * training step about 3 s: 3 warm-up iterations for {@code forward} and 6 for {@code trainStep}, 8 measured
 * iterations, each at least 5 s, one fork (about 3 minutes for both benchmarks).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 8, time = 5, timeUnit = TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Xms1g", "-XX:+UseParallelGC",
        "-Dorg.bytedeco.javacpp.maxbytes=6G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=12G"})
public class ModelBenchmark {

    @Param({"deit_tiny_patch16_224"})
    public String model;

    @Param({"8"})
    public int batch;

    @Param({"224"})
    public int imgSize;

    /** Number of warm-up executions in the setup, before JMH's own warm-up iterations. */
    private static final int SETUP_RUNS = 2;

    private Model net;
    private INDArray images;
    private Map<String, INDArray> trainInputs;
    private TrainingStep step;
    private AdamW optimizer;

    @Setup(org.openjdk.jmh.annotations.Level.Trial)
    public void setup(BenchmarkParams params) {
        System.out.println();
        System.out.println("# tokenmix backend: " + Backend.current().describe());
        System.out.println("# tokenmix OMP_NUM_THREADS=" + System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"));
        net = TokenMix.createModel(model);
        System.out.println("# tokenmix model: " + net.name() + ", " + net.parameterCount() + " params, batch "
                + batch + ", " + imgSize + "x" + imgSize);
        Nd4j.getRandom().setSeed(42);
        images = Nd4j.randn(DataType.FLOAT, batch, net.inChans(), imgSize, imgSize);
        boolean training = params.getBenchmark().endsWith("trainStep");
        long t0 = System.nanoTime();
        if (training) {
            int classes = net.numClasses();
            INDArray targets = Nd4j.valueArrayOf(new long[] {batch, classes}, 0.1 / classes, DataType.FLOAT);
            Random random = new Random(42);
            for (int i = 0; i < batch; i++) {
                targets.putScalar(i, random.nextInt(classes), 0.9 + 0.1 / classes);
            }
            trainInputs = Model.trainingInputs(images, targets);
            step = net.trainingStep(imgSize, imgSize);
            optimizer = new AdamW(net.parameters(), 1e-4, AdamW.DEFAULT_BETA1, AdamW.DEFAULT_BETA2,
                    AdamW.DEFAULT_EPSILON, 0.05);
            for (int i = 0; i < SETUP_RUNS; i++) {
                trainStep();
            }
        } else {
            for (int i = 0; i < SETUP_RUNS; i++) {
                forward();
            }
        }
        System.out.printf("# tokenmix setup (build + %d warm-up runs): %.1f s%n", SETUP_RUNS,
                (System.nanoTime() - t0) / 1e9);
    }

    /** Eval-mode logits {@code [batch, numClasses]}. */
    @Benchmark
    public INDArray forward() {
        return net.forward(images);
    }

    /**
     * One optimisation step: loss and gradients, then AdamW; returns the loss. Warms up longer than
     * {@code forward}: on the 2-core reference machine the first 6 to 8 steps after the graph is built are up to
     * 1.5x slower than the steady state.
     */
    @Benchmark
    @Warmup(iterations = 6, time = 5, timeUnit = TimeUnit.SECONDS)
    public double trainStep() {
        TrainingStep.Result r = step.runInPlace(trainInputs);
        optimizer.step(r.gradients());
        return r.loss();
    }
}
