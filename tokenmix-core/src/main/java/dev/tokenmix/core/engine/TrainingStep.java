package dev.tokenmix.core.engine;

import dev.tokenmix.core.engine.exec.Fusion;
import dev.tokenmix.core.engine.exec.GradientFusions;
import dev.tokenmix.core.engine.exec.PlanExecutor;
import dev.tokenmix.core.params.ParameterStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Loss and gradients of a training graph in one execution of SameDiff's gradient function (the graph of the forward
 * and backward ops; not {@code fit()} or {@code calculateGradients()}), with {@code keras_learning_phase = true}
 * passed explicitly. The gradient function runs through the {@link PlanExecutor} (a fixed plan of native ops per
 * batch size, with reshapes as views and reused buffers), or through SameDiff's own session if the plan cannot run
 * it or the system property {@value CompiledGraph#EXECUTOR_PROPERTY} is {@code samediff}. After each execution the
 * running statistics of every BatchNorm are updated as PyTorch does:
 * {@code running = (1 - momentum) running + momentum batch}, with the unbiased batch variance, and
 * {@code num_batches_tracked} counts up.
 *
 * <p>Applying the gradients (the optimizer) is the caller's business.
 */
public final class TrainingStep {
    private final Ops ops;
    private final String lossName;
    private final SameDiff gradFn;
    private final Map<String, String> gradNames = new LinkedHashMap<>();
    private final long maskSeed;
    private final PlanOrSameDiff execution;

    /** Prepares the gradient function of {@code loss}, a scalar of a {@link Mode#TRAIN} graph built by {@code ops}. */
    public TrainingStep(Ops ops, Tensor loss) {
        if (ops.mode() != Mode.TRAIN) {
            throw new IllegalArgumentException("a training step needs a graph built in Mode.TRAIN");
        }
        this.ops = ops;
        this.lossName = loss.var().name();
        SameDiff sd = ops.sameDiff();
        sd.setLossVariables(lossName);
        Quietly.call(() -> {
            sd.createGradFunction();
            return null;
        });
        this.gradFn = sd.getFunction("grad");
        this.maskSeed = Nd4j.getRandom().nextLong();
        // two plans: one for the usual batch, one for a short last batch; each holds the step's activations
        Map<String, Fusion> fusions = GradientFusions.of(sd, ops.fusions());
        this.execution = new PlanOrSameDiff(new PlanExecutor(gradFn, null, fusions, 2));
        execution.plan().reseed(maskSeed);
        for (String key : ops.boundParameters()) {
            SDVariable g = sd.getVariable(key).getGradient();
            if (g != null) {
                gradNames.put(key, g.name());
            }
        }
    }

    /** The trainable parameters that receive a gradient, in store order. */
    public List<String> parameterKeys() {
        return new ArrayList<>(gradNames.keySet());
    }

    /** Loss and gradients of one execution. */
    public record Result(double loss, Map<String, INDArray> gradients) {
    }

    /**
     * Runs forward and backward on {@code inputs} (placeholder name to array), updates BatchNorm running
     * statistics, and returns the loss and the gradients keyed by parameter key.
     */
    public Result run(Map<String, INDArray> inputs) {
        return run(inputs, true);
    }

    /**
     * As {@link #run}, without copying the gradients: they are the step's own buffers, which its next run
     * overwrites. Use them at once (an optimizer step, adding them to an accumulator) and keep nothing. Copying
     * the gradients took 19 ms per step for DeiT-Tiny and 70 ms for GLNet-4G.
     */
    public Result runInPlace(Map<String, INDArray> inputs) {
        return run(inputs, false);
    }

    private Result run(Map<String, INDArray> inputs, boolean copied) {
        Map<String, INDArray> ph = new HashMap<>(inputs);
        if (ops.usesLearningPhase()) {
            ph.put(Ops.LEARNING_PHASE, Nd4j.scalar(true));
        }
        List<String> want = new ArrayList<>(gradNames.values());
        want.add(lossName);
        for (BatchStat b : ops.batchStats()) {
            want.add(b.batchMeanName());
            want.add(b.batchVarName());
        }
        Map<String, INDArray> out = execute(ph, want, copied);
        updateRunningStats(out, batchSize(inputs));
        Map<String, INDArray> grads = new LinkedHashMap<>();
        gradNames.forEach((key, g) -> grads.put(key, out.get(g)));
        return new Result(out.get(lossName).getDouble(0), grads);
    }

    /**
     * Makes the dropout and DropPath masks of the following executions on the calling thread a function of
     * {@code seed} alone. A trainer that calls it before every step with a seed derived from (run seed, epoch,
     * step) draws the same masks whether a run goes straight through or resumes from a checkpoint.
     */
    public void seedMasks(long seed) {
        execution.plan().reseed(seed);
        freshMasks();
        ((FreshRandomSession) gradFn.getSessions().get(Thread.currentThread().getId())).reseed(seed);
    }

    /**
     * Times every step of later plan-executor runs (see {@link PlanExecutor#setStepListener}); runs through
     * SameDiff's session report nothing here.
     *
     * @param l the listener, or null to stop
     */
    public void setStepListener(PlanExecutor.StepListener l) {
        execution.plan().setStepListener(l);
    }

    private Map<String, INDArray> execute(Map<String, INDArray> ph, List<String> want, boolean copied) {
        return execution.run(ph, want, () -> {
            freshMasks();
            return gradFn.output(ph, want);
        }, copied);
    }

    /**
     * Makes the calling thread's session of the gradient function one that re-seeds random ops on every
     * execution: SameDiff's own session would draw the same dropout/DropPath masks on every step.
     */
    private void freshMasks() {
        long thread = Thread.currentThread().getId();
        if (!(gradFn.getSessions().get(thread) instanceof FreshRandomSession)) {
            gradFn.getSessions().put(thread, new FreshRandomSession(gradFn, maskSeed ^ thread));
        }
    }

    /** The batch size: that of the first placeholder the graph declared (the images, in every model). */
    private long batchSize(Map<String, INDArray> inputs) {
        if (ops.batchStats().isEmpty()) {
            return 0;
        }
        String name = ops.placeholders().isEmpty() ? null : ops.placeholders().get(0);
        INDArray first = name == null ? null : inputs.get(name);
        if (first == null) {
            throw new IllegalArgumentException("BatchNorm statistics need the batch size of input '" + name
                    + "', which was not given; inputs were " + inputs.keySet());
        }
        return first.size(0);
    }

    private void updateRunningStats(Map<String, INDArray> out, long batch) {
        ParameterStore store = ops.store();
        for (BatchStat b : ops.batchStats()) {
            long n = batch * b.elementsPerChannelPerSample();
            double m = b.momentum();
            INDArray mean = out.get(b.batchMeanName());
            INDArray var = out.get(b.batchVarName()).mul(n > 1 ? (double) n / (n - 1) : 1.0);
            store.array(b.runningMeanKey()).muli(1 - m).addi(mean.mul(m));
            store.array(b.runningVarKey()).muli(1 - m).addi(var.mul(m));
            String counter = b.runningMeanKey().substring(0, b.runningMeanKey().lastIndexOf('.') + 1)
                    + "num_batches_tracked";
            if (store.contains(counter)) {
                store.array(counter).addi(1);
            }
        }
    }
}
