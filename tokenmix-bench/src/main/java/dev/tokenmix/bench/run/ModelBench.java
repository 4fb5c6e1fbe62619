package dev.tokenmix.bench.run;

import dev.tokenmix.core.engine.Backend;
import dev.tokenmix.core.engine.TrainingStep;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.TokenMix;
import dev.tokenmix.train.optim.AdamW;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Times one registered model in one {@link BenchMode} at one resolution: builds the model (not timed), runs
 * {@code warmup} untimed steps and then {@code steps} timed ones, and reports the median step. A batch that runs out
 * of memory is retried with half the batch until it fits (or a batch of 1 fails too); the caller hears about each
 * retry through the {@code notes} consumer and the result records the batch that was asked for.
 *
 * <p>The training step is {@link Model#trainingStep} (forward, soft-target cross-entropy with label smoothing 0.1,
 * backward through SameDiff's gradient function, BatchNorm statistics) followed by {@link AdamW#step}.
 */
public final class ModelBench {
    private final int warmup;
    private final int steps;
    private final double sgemmGflops;
    private final Consumer<String> notes;

    /**
     * @param sgemmGflops the ceiling for {@link BenchResult#sgemmFraction()}, or 0 for none
     * @param notes receives one line per out-of-memory retry
     */
    public ModelBench(int warmup, int steps, double sgemmGflops, Consumer<String> notes) {
        if (warmup < 0 || steps < 1) {
            throw new IllegalArgumentException("--warmup must be >= 0 and --steps >= 1, got warmup=" + warmup
                    + ", steps=" + steps);
        }
        this.warmup = warmup;
        this.steps = steps;
        this.sgemmGflops = sgemmGflops;
        this.notes = notes;
    }

    /**
     * Benchmarks {@code name} at {@code imgSize} (0: the model's default) with {@code batch} samples per step,
     * halving the batch after an out-of-memory error.
     */
    public BenchResult run(String name, BenchMode mode, int imgSize, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1, got " + batch);
        }
        if (imgSize < 0) {
            throw new IllegalArgumentException("--img-size must be positive, got " + imgSize);
        }
        Model model = imgSize == 0 ? TokenMix.createModel(name)
                : TokenMix.createModel(name, ModelOptions.builder().imgSize(imgSize).build());
        int size = imgSize == 0 ? model.imgSize() : imgSize;
        double gmacs = model.macs(size, size) / 1e9;
        int b = batch;
        while (true) {
            try {
                PeakMemory.releaseAndReset();
                double ms = mode == BenchMode.INFER ? timeInference(model, size, b) : timeTraining(model, size, b);
                Backend be = Backend.current();
                return new BenchResult(name, mode, size, b, ms, model.parameterCount(), gmacs, PeakMemory.peakMb(),
                        "nd4j-" + be.nativeBinary(), be.ompThreads(), sgemmGflops, b == batch ? 0 : batch);
            } catch (RuntimeException | OutOfMemoryError e) {
                if (!OutOfMemory.isOutOfMemory(e) || b == 1) {
                    throw e;
                }
                notes.accept(name + " " + mode.label() + " at " + size + "x" + size + ": batch " + b
                        + " ran out of memory (" + e.getClass().getSimpleName() + "); retrying with batch " + b / 2);
                b /= 2;
            }
        }
    }

    private double timeInference(Model model, int size, int batch) {
        INDArray x = images(model, size, batch);
        return time(() -> model.forward(x));
    }

    private double timeTraining(Model model, int size, int batch) {
        INDArray x = images(model, size, batch);
        int classes = model.numClasses();
        INDArray targets = Nd4j.valueArrayOf(new long[] {batch, classes}, 0.1 / classes, DataType.FLOAT);
        Random random = new Random(42);
        for (int i = 0; i < batch; i++) {
            targets.putScalar(i, random.nextInt(classes), 0.9 + 0.1 / classes);
        }
        Map<String, INDArray> inputs = Model.trainingInputs(x, targets);
        TrainingStep step = model.trainingStep(size, size);
        AdamW optimizer = new AdamW(model.parameters(), 1e-4, AdamW.DEFAULT_BETA1, AdamW.DEFAULT_BETA2,
                AdamW.DEFAULT_EPSILON, 0.05);
        return time(() -> optimizer.step(step.runInPlace(inputs).gradients()));
    }

    private static INDArray images(Model model, int size, int batch) {
        Nd4j.getRandom().setSeed(42);
        return Nd4j.randn(DataType.FLOAT, batch, model.inChans(), size, size);
    }

    /** Median wall time in ms of {@code steps} runs after {@code warmup} untimed ones. */
    private double time(Runnable step) {
        for (int i = 0; i < warmup; i++) {
            step.run();
        }
        double[] ms = new double[steps];
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            step.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return steps % 2 == 1 ? ms[steps / 2] : (ms[steps / 2 - 1] + ms[steps / 2]) / 2;
    }
}
