package dev.tokenmix.core.engine.exec;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.engine.TrainingStep;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.testing.Dense;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Which GELU and LayerNorm regions get a backward fusion, and that the others keep SameDiff's gradient ops. */
class GradientFusionsTest {

    @Test
    void aRegionIsClosedOnlyIfNothingOutsideReadsItsValuesOrItsInput() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 4);
        SDVariable inner = x.mul("inner", 2.0);
        inner.add("y", 1.0);
        assertTrue(GradientFusions.closedRegion(sd, "y", Set.of("x")));

        inner.mul("reader", 3.0); // an op outside the region reads its intermediate value
        assertFalse(GradientFusions.closedRegion(sd, "y", Set.of("x")), "intermediate read outside");

        SameDiff sd2 = SameDiff.create();
        SDVariable x2 = sd2.placeHolder("x", DataType.FLOAT, -1, 4);
        x2.mul("y", 2.0);
        x2.add("residual", 1.0); // the input is read outside the region
        assertFalse(GradientFusions.closedRegion(sd2, "y", Set.of("x")), "input read outside");
        assertFalse(GradientFusions.closedRegion(sd2, "y", Set.of()), "a walk that reaches a placeholder");
    }

    @Test
    void aWeightSharedByTwoLayerNormsKeepsSameDiffsGradientOps() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Scope s = Scope.root(store, 3);
        s.parameter("norm.weight", Init.uniform(0.4), 8);
        store.array("norm.weight").addi(1.0);
        s.parameter("norm.bias", Init.uniform(0.3), 8);
        Linear fc = new Linear(s.child("fc"), 8, 8, true, Init.uniform(0.6), Init.uniform(0.3));
        Linear head = new Linear(s.child("head"), 8, 3, true, Init.uniform(0.6), Init.uniform(0.3));
        Ops ops = new Ops(store, Mode.TRAIN);
        Tensor x = ops.placeholder("x", -1, 8);
        Tensor t = ops.placeholder("targets", -1, 3);
        Tensor w = ops.param("norm.weight");
        Tensor b = ops.param("norm.bias");
        Tensor h = ops.add(x, ops.gelu(fc.apply(ops, ops.layerNorm(x, w, b, 1e-5, 1))));
        Tensor out = ops.layerNorm(h, w, b, 1e-5, 1); // the same weight and bias again
        TrainingStep step = new TrainingStep(ops, ops.softTargetCrossEntropy(head.apply(ops, out), t));

        Map<String, INDArray> in = Map.of(
                "x", Dense.uniform(1, -2, 2, 5, 8).toNd4j(DataType.FLOAT),
                "targets", Dense.uniform(2, 0, 1, 5, 3).toNd4j(DataType.FLOAT));
        PlanVersusSameDiff runs = PlanVersusSameDiff.run(step, in);
        assertTrue(runs.labels().contains("fused_gelu_bp_from_derivative"),
                "the GELU region is closed: " + runs.labels());
        assertFalse(runs.labels().contains("fused_layer_norm_bp") || runs.labels().contains("fused_layer_norm"),
                "a LayerNorm whose weight another one reads is not fused: " + runs.labels());
        runs.assertSameLossAndGradients();
    }
}
