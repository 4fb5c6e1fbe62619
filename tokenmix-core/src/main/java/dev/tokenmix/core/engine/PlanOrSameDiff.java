package dev.tokenmix.core.engine;

import dev.tokenmix.core.engine.exec.PlanExecutor;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs a graph through its {@link PlanExecutor} or through SameDiff's own session, as the system property
 * {@value CompiledGraph#EXECUTOR_PROPERTY} says: {@code plan} (the default: the plan executor, and SameDiff's session
 * from then on for a graph it cannot plan), {@code samediff} (always SameDiff's session, for comparison) or
 * {@code strict} (the plan executor, and a graph it cannot plan is an error; the test suite runs so, so that no test
 * passes on SameDiff's values while meaning to check the plan's). {@link CompiledGraph} and {@link TrainingStep}
 * each hold one.
 */
final class PlanOrSameDiff {
    private final PlanExecutor plan;
    private boolean planFailed;

    PlanOrSameDiff(PlanExecutor plan) {
        this.plan = plan;
    }

    /** The plan executor, also when runs currently go to SameDiff. */
    PlanExecutor plan() {
        return plan;
    }

    /**
     * The values of {@code outputs}: from the plan executor fed {@code inputs}, or from {@code sameDiff}.
     *
     * @param inputs placeholder values for the plan
     * @param outputs variable names
     * @param sameDiff SameDiff's session asked for the same values
     * @return the values by variable name
     */
    synchronized Map<String, INDArray> run(Map<String, INDArray> inputs, List<String> outputs,
                                           Supplier<Map<String, INDArray>> sameDiff) {
        return run(inputs, outputs, sameDiff, true);
    }

    /**
     * As {@link #run(Map, List, Supplier)}; unless {@code copied}, values from the plan are its own arrays, which
     * its next run overwrites ({@link PlanExecutor#runShared}).
     */
    synchronized Map<String, INDArray> run(Map<String, INDArray> inputs, List<String> outputs,
                                           Supplier<Map<String, INDArray>> sameDiff, boolean copied) {
        String choice = System.getProperty(CompiledGraph.EXECUTOR_PROPERTY, "plan");
        if (!planFailed && !"samediff".equals(choice)) {
            try {
                return copied ? plan.run(inputs, outputs) : plan.runShared(inputs, outputs);
            } catch (UnsupportedOperationException e) {
                if ("strict".equals(choice)) {
                    throw new IllegalStateException("the plan executor cannot run this graph, and "
                            + CompiledGraph.EXECUTOR_PROPERTY + "=strict forbids falling back to SameDiff: "
                            + e.getMessage(), e);
                }
                planFailed = true; // an op the plan cannot run: SameDiff's session from now on
            }
        }
        return sameDiff.get();
    }
}
