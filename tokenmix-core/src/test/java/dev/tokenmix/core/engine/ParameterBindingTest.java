package dev.tokenmix.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.tokenmix.core.nn.BatchNorm2d;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.testing.Dense;
import dev.tokenmix.core.testing.Graphs;
import dev.tokenmix.core.testing.Reference;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** Graphs read the store's live arrays: an in-place change is seen by every graph already built. */
class ParameterBindingTest {

    @Test
    void inPlaceUpdatesOfParametersReachBuiltGraphs() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Linear fc = new Linear(Scope.root(store, 1).child("fc"), 4, 3, true, Init.uniform(1), Init.uniform(1));
        Dense x = Dense.random(2, 2, 4);
        CompiledGraph eval = Graphs.compile(store, Mode.EVAL, x.longShape(), fc::apply);
        CompiledGraph train = Graphs.compile(store, Mode.TRAIN, x.longShape(), fc::apply);
        eval.run(x.toNd4j(DataType.FLOAT), "y");
        store.array("fc.weight").muli(-2);
        store.array("fc.bias").assign(Nd4j.createFromArray(0.5f, -1f, 2f));
        Dense expected = Reference.linear(x, Dense.of(store.array("fc.weight")), new double[] {0.5, -1, 2});
        Graphs.assertClose(expected, eval.run(x.toNd4j(DataType.FLOAT), "y"), 1e-5);
        Graphs.assertClose(expected, train.run(x.toNd4j(DataType.FLOAT), "y"), 1e-5);
    }

    @Test
    void inPlaceUpdatesOfBuffersReachBuiltGraphs() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        BatchNorm2d bn = new BatchNorm2d(Scope.root(store, 1).child("bn"), 2);
        Dense x = Dense.random(3, 1, 2, 1, 2);
        CompiledGraph g = Graphs.compile(store, Mode.EVAL, x.longShape(), bn::apply);
        g.run(x.toNd4j(), "y");
        store.array("bn.running_mean").assign(Nd4j.createFromArray(1.0, -1.0));
        store.array("bn.running_var").muli(4);
        Dense expected = new Dense(x.shape);
        for (int i = 0; i < 4; i++) {
            expected.v[i] = (x.v[i] - (i < 2 ? 1 : -1)) / Math.sqrt(4 + 1e-5);
        }
        Graphs.assertClose(expected, g.run(x.toNd4j(), "y"), 1e-12);
    }

    @Test
    void eachKeyIsBoundOnceAndBuffersAreNotTrainable() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        new BatchNorm2d(Scope.root(store, 1).child("bn"), 2);
        Ops ops = new Ops(store, Mode.TRAIN);
        assertSame(ops.param("bn.weight"), ops.param("bn.weight"));
        ops.param("bn.running_mean");
        ops.param("bn.bias");
        assertEquals(List.of("bn.weight", "bn.bias"), ops.boundParameters());
    }
}
