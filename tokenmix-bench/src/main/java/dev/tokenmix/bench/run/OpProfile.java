package dev.tokenmix.bench.run;

import dev.tokenmix.core.engine.CompiledGraph;
import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.engine.TrainingStep;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.TokenMix;
import dev.tokenmix.train.optim.AdamW;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where the time of one step goes ({@code tokenmix bench --profile-ops N}): every op is timed, summed by op type,
 * and compared with the wall time of the step. Both modes run through the plan executor, which times each of its
 * steps (a native op, or a fused kernel such as {@code fused_gelu}); a graph that falls back to SameDiff is timed by
 * a SameDiff listener instead, from each op's pre-execution to its execution callback (the native kernel plus the
 * op's own argument set-up). The rest of the wall time is the framework's: the executor's or SameDiff's session (dependency tracking,
 * array allocation and lookup), the Java side of the model code and, for training, the optimizer.
 */
public final class OpProfile {
    private OpProfile() {
    }

    /** Sums of one op type over the timed steps. */
    private static final class Bucket {
        long count;
        long nanos;
    }

    private static final class Timer extends BaseListener {
        final Map<String, Bucket> buckets = new HashMap<>();
        long start;
        boolean on;

        @Override
        public boolean isActive(Operation operation) {
            return true;
        }

        @Override
        public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext ctx) {
            start = System.nanoTime();
        }

        @Override
        public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext ctx,
                                INDArray[] outputs) {
            add(op.getOp().opName(), System.nanoTime() - start);
        }

        void add(String op, long nanos) {
            if (on) {
                Bucket b = buckets.computeIfAbsent(op, k -> new Bucket());
                b.count++;
                b.nanos += nanos;
            }
        }
    }

    /** Profiles {@code steps} steps of {@code name} after {@code warmup} untimed ones and prints the top op types. */
    public static void run(String name, BenchMode mode, int imgSize, int batch, int warmup, int steps, int top,
                           PrintWriter out) {
        Model model = imgSize == 0 ? TokenMix.createModel(name)
                : TokenMix.createModel(name, ModelOptions.builder().imgSize(imgSize).build());
        int size = imgSize == 0 ? model.imgSize() : imgSize;
        Nd4j.getRandom().setSeed(42);
        INDArray x = Nd4j.randn(DataType.FLOAT, batch, model.inChans(), size, size);
        Timer timer = new Timer();
        Runnable step;
        if (mode == BenchMode.INFER) {
            Ops ops = new Ops(model.parameters(), Mode.EVAL);
            Tensor in = ops.placeholder("input", -1, model.inChans(), size, size);
            CompiledGraph g = new CompiledGraph(ops, in, Map.of("out", model.forward(ops, in)));
            g.sameDiff().addListeners(timer); // used if the graph falls back to SameDiff
            g.setStepListener((label, nanos) -> timer.add(label, nanos));
            step = () -> g.run(x, "out");
        } else {
            Ops ops = new Ops(model.parameters(), Mode.TRAIN);
            Tensor in = ops.placeholder("input", -1, model.inChans(), size, size);
            Tensor t = ops.placeholder("targets", -1, model.numClasses());
            TrainingStep ts = new TrainingStep(ops, ops.softTargetCrossEntropy(model.forward(ops, in), t));
            ops.sameDiff().getFunction("grad").addListeners(timer); // used if the step falls back to SameDiff
            ts.setStepListener((label, nanos) -> timer.add(label, nanos));
            int classes = model.numClasses();
            INDArray targets = Nd4j.valueArrayOf(new long[] {batch, classes}, 0.1 / classes, DataType.FLOAT);
            Random random = new Random(42);
            for (int i = 0; i < batch; i++) {
                targets.putScalar(i, random.nextInt(classes), 0.9 + 0.1 / classes);
            }
            Map<String, INDArray> inputs = Model.trainingInputs(x, targets);
            AdamW opt = new AdamW(model.parameters(), 1e-4);
            step = () -> opt.step(ts.runInPlace(inputs).gradients());
        }
        for (int i = 0; i < warmup; i++) {
            step.run();
        }
        timer.on = true;
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            step.run();
        }
        double wallMs = (System.nanoTime() - t0) / 1e6 / steps;
        List<Map.Entry<String, Bucket>> sorted = new ArrayList<>(timer.buckets.entrySet());
        sorted.sort((a, b) -> Long.compare(b.getValue().nanos, a.getValue().nanos));
        long ops = 0;
        double opMs = 0;
        for (Map.Entry<String, Bucket> e : sorted) {
            ops += e.getValue().count;
            opMs += e.getValue().nanos / 1e6 / steps;
        }
        out.printf(Locale.ROOT, "# op profile: %s %s %dpx batch %d, %d steps: wall %.1f ms/step, %d ops/step,"
                + " %.1f ms in ops (%.0f%%), %.1f ms outside (%.3f ms per op)%n", name, mode.label(), size, batch,
                steps, wallMs, ops / steps, opMs, 100 * opMs / wallMs, wallMs - opMs,
                (wallMs - opMs) / Math.max(1, ops / steps));
        out.printf(Locale.ROOT, "# %-30s %8s %10s %7s%n", "op", "n/step", "ms/step", "%wall");
        for (int i = 0; i < Math.min(top, sorted.size()); i++) {
            Bucket b = sorted.get(i).getValue();
            double ms = b.nanos / 1e6 / steps;
            out.printf(Locale.ROOT, "# %-30s %8d %10.1f %6.1f%%%n", sorted.get(i).getKey(), b.count / steps, ms,
                    100 * ms / wallMs);
        }
        out.flush();
    }
}
