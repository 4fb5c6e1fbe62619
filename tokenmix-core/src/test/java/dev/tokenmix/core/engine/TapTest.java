package dev.tokenmix.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.mixers.paca.Clustering;
import dev.tokenmix.core.mixers.paca.P2CLinear;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Marked activations come back from a finished graph with their values, paths and build order. */
class TapTest {

    @Test
    void markedActivationsAreEvaluatedByName() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        Ops ops = new Ops(store, Mode.EVAL);
        Tensor x = ops.placeholder("x", -1, 3);
        Tensor doubled = ops.tap("t", "a.b", ops.mul(x, 2.0));
        ops.tap("other", ops.exp(x));
        Tensor squared = ops.tap("t", "a.b", ops.square(doubled));
        Tensor y = ops.sum(squared, false, 1);
        CompiledGraph g = new CompiledGraph(ops, x, Map.of("y", y));
        INDArray in = Nd4j.createFromArray(new double[][] {{1, -2, 3}, {0.5, 0, -1}});

        Map<String, INDArray> taps = g.runTaps(in, "t");
        assertEquals(List.of("a.b", "a.b#2"), List.copyOf(taps.keySet()), "build order; repeated paths numbered");
        assertEquals(in.mul(2), taps.get("a.b"));
        assertEquals(in.mul(2).mul(in.mul(2)), taps.get("a.b#2"));
        assertEquals(List.of("other"), List.copyOf(g.runTaps(in, "other").keySet()), "top level: keyed by its name");
        assertTrue(g.runTaps(in, "none").isEmpty());
        assertEquals(List.of("t", "other", "t"), ops.taps().stream().map(Tap::name).toList());
    }

    @Test
    void clusteringMarksItsAssignmentUnderItsOwnPath() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Clustering c = new P2CLinear(Scope.root(store, 3).child("attn").child("clustering"), 8, 5);
        Ops ops = new Ops(store, Mode.EVAL);
        Tensor x = ops.placeholder("x", -1, 6, 8);
        Tensor z = c.assign(ops, x, 2, 3);
        CompiledGraph g = new CompiledGraph(ops, x, Map.of("z", z));
        INDArray in = Nd4j.rand(DataType.FLOAT, 2, 6, 8);

        Map<String, INDArray> taps = g.runTaps(in, Clustering.ASSIGNMENT_TAP);
        assertEquals(List.of(c.path()), List.copyOf(taps.keySet()));
        assertEquals(g.run(in, "z"), taps.get(c.path()));
    }
}
