package dev.tokenmix.bench;

import dev.tokenmix.models.InputConfig;
import dev.tokenmix.train.data.SampleTransform;
import dev.tokenmix.train.data.SyntheticShapes;
import dev.tokenmix.train.data.augment.TrainTransform;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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

/**
 * The per-sample cost of the data pipeline on one thread, to compare with a training step's time: a decoded
 * {@code source x source} image through timm's train transform (random resized crop, flip, colour jitter, or
 * RandAugment {@code rand-m9-mstd0.5-inc1} with random erasing) or the eval transform (resize, centre crop), to a
 * normalised {@code [3, size, size]} array. Decoding is not included.
 *
 * <p>Run with {@code scripts/jmh.sh DataPipelineBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 3, time = 2, timeUnit = TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class DataPipelineBenchmark {

    /** Output side. */
    @Param({"224", "32"})
    public int size;

    private BufferedImage image;
    private SampleTransform jitter;
    private SampleTransform randAugment;
    private SampleTransform eval;
    private SplittableRandom rng;

    @Setup
    public void setup() {
        int source = size == 32 ? 32 : 256;
        image = SyntheticShapes.builder().imageSize(source).perClass(1).build().get(0).image();
        InputConfig cfg = InputConfig.imagenet(size);
        jitter = TrainTransform.builder(cfg, size).build();
        randAugment = TrainTransform.builder(cfg, size).autoAugment("rand-m9-mstd0.5-inc1").reprob(0.25).build();
        eval = SampleTransform.eval(cfg, size);
        rng = new SplittableRandom(0);
    }

    @Benchmark
    public float[] trainColorJitter() {
        return jitter.apply(image, rng);
    }

    @Benchmark
    public float[] trainRandAugment() {
        return randAugment.apply(image, rng);
    }

    @Benchmark
    public float[] eval() {
        return eval.apply(image, rng);
    }
}
