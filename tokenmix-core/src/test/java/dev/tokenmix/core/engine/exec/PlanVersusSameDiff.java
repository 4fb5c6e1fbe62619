package dev.tokenmix.core.engine.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.engine.CompiledGraph;
import dev.tokenmix.core.engine.TrainingStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One training step through SameDiff's session and the same step through the plan executor (strict), for tests
 * that compare them.
 *
 * @param sameDiff the step through SameDiff's session
 * @param plan the step through the plan, replayed after a first run that built it
 * @param labels the plan's steps in that replay
 */
record PlanVersusSameDiff(TrainingStep.Result sameDiff, TrainingStep.Result plan, List<String> labels) {

    /** Runs {@code step} on {@code in} both ways, and restores the executor property afterwards. */
    static PlanVersusSameDiff run(TrainingStep step, Map<String, INDArray> in) {
        String before = System.getProperty(CompiledGraph.EXECUTOR_PROPERTY);
        try {
            System.setProperty(CompiledGraph.EXECUTOR_PROPERTY, "samediff");
            TrainingStep.Result want = step.run(in);
            System.setProperty(CompiledGraph.EXECUTOR_PROPERTY, "strict");
            step.run(in); // the first run of a batch size builds the plan
            List<String> labels = new ArrayList<>();
            step.setStepListener((label, nanos) -> labels.add(label));
            TrainingStep.Result got = step.run(in); // later runs replay it
            step.setStepListener(null);
            return new PlanVersusSameDiff(want, got, labels);
        } finally {
            if (before == null) {
                System.clearProperty(CompiledGraph.EXECUTOR_PROPERTY);
            } else {
                System.setProperty(CompiledGraph.EXECUTOR_PROPERTY, before);
            }
        }
    }

    /** The plan's loss and every gradient equal SameDiff's, within {@code 1e-5} of each gradient's largest value. */
    void assertSameLossAndGradients() {
        assertSameLossAndGradients(sameDiff, plan);
    }

    /** {@code got}'s loss and gradients equal {@code want}'s, within {@code 1e-5} of each gradient's largest value. */
    static void assertSameLossAndGradients(TrainingStep.Result want, TrainingStep.Result got) {
        assertEquals(want.loss(), got.loss(), 1e-5 * Math.max(1, Math.abs(want.loss())));
        assertEquals(want.gradients().keySet(), got.gradients().keySet());
        want.gradients().forEach((k, g) -> {
            INDArray h = got.gradients().get(k);
            assertArrayEquals(g.shape(), h.shape(), k);
            double scale = Math.max(1e-3, g.amaxNumber().doubleValue());
            double diff = g.sub(h).amaxNumber().doubleValue();
            assertTrue(diff <= 1e-5 * scale + 1e-7, k + ": max difference " + diff + " at scale " + scale);
        });
    }
}
