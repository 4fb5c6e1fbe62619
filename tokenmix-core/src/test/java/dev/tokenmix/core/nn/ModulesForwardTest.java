package dev.tokenmix.core.nn;

import static dev.tokenmix.core.testing.Graphs.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.tokenmix.core.engine.ModuleRecord;
import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.testing.Dense;
import dev.tokenmix.core.testing.Graphs;
import dev.tokenmix.core.testing.Reference;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The composite and parameter-light modules against Java computations of their PyTorch counterparts. */
class ModulesForwardTest {

    static Dense arr(ParameterStore s, String key) {
        return Dense.of(s.array(key));
    }

    @Test
    void mlpIsFc2OfGeluOfFc1() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        Mlp mlp = new Mlp(Scope.root(store, 1).child("mlp"), 4, 6, 3, Activation.GELU, 0.0, Init.uniform(1), Init.uniform(1));
        Dense x = Dense.random(2, 2, 3, 4);
        Dense h = Reference.linear(x, arr(store, "mlp.fc1.weight"), arr(store, "mlp.fc1.bias").v);
        for (int i = 0; i < h.v.length; i++) {
            h.v[i] = Reference.gelu(h.v[i]);
        }
        Dense expected = Reference.linear(h, arr(store, "mlp.fc2.weight"), arr(store, "mlp.fc2.bias").v);
        assertClose(expected, Graphs.run(store, Mode.EVAL, x.toNd4j(), mlp::apply), 1e-12);
    }

    @Test
    void convMlpIsAPointwiseMlpOverChannels() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        ConvMlp mlp = new ConvMlp(Scope.root(store, 1).child("mlp"), 3, 5, 2, Activation.RELU, 0.0);
        Dense x = Dense.random(3, 2, 3, 2, 2);
        INDArray y = Graphs.run(store, Mode.EVAL, x.toNd4j(), mlp::apply);
        Dense w1 = new Dense(arr(store, "mlp.fc1.weight").v.clone(), 5, 3); // stored [1, 1, 3, 5]: transpose
        Dense w2 = new Dense(arr(store, "mlp.fc2.weight").v.clone(), 2, 5);
        Dense s1 = arr(store, "mlp.fc1.weight");
        Dense s2 = arr(store, "mlp.fc2.weight");
        for (int o = 0; o < 5; o++) {
            for (int i = 0; i < 3; i++) {
                w1.set(s1.get(0, 0, i, o), o, i);
            }
        }
        for (int o = 0; o < 2; o++) {
            for (int i = 0; i < 5; i++) {
                w2.set(s2.get(0, 0, i, o), o, i);
            }
        }
        Dense expected = new Dense(2, 2, 2, 2);
        for (int b = 0; b < 2; b++) {
            for (int p = 0; p < 4; p++) {
                Dense px = new Dense(1, 3);
                for (int c = 0; c < 3; c++) {
                    px.v[c] = x.v[(b * 3 + c) * 4 + p];
                }
                Dense h = Reference.linear(px, w1, arr(store, "mlp.fc1.bias").v);
                for (int i = 0; i < 5; i++) {
                    h.v[i] = Math.max(0, h.v[i]);
                }
                Dense o = Reference.linear(h, w2, arr(store, "mlp.fc2.bias").v);
                for (int c = 0; c < 2; c++) {
                    expected.v[(b * 2 + c) * 4 + p] = o.v[c];
                }
            }
        }
        assertClose(expected, y, 1e-12);
    }

    @Test
    void layerScaleScalesChannels() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        Scope s = Scope.root(store, 1);
        LayerScale tokens = new LayerScale(s.child("ls1"), 3, 0.5);
        LayerScale nchw = new LayerScale(s.child("ls2"), "weight", 2, 0.1, 1);
        store.array("ls2.weight").putScalar(1, -3.0);
        assertEquals(List.of("ls1.gamma", "ls2.weight"), store.entries().stream().map(p -> p.key()).toList());
        Dense x = Dense.random(4, 2, 2, 3);
        Dense e1 = new Dense(x.shape);
        for (int i = 0; i < x.v.length; i++) {
            e1.v[i] = 0.5 * x.v[i];
        }
        assertClose(e1, Graphs.run(store, Mode.EVAL, x.toNd4j(), tokens::apply), 1e-12);
        Dense e2 = new Dense(x.shape);
        for (int i = 0; i < x.v.length; i++) {
            e2.v[i] = ((i / 3) % 2 == 0 ? 0.1 : -3.0) * x.v[i];
        }
        assertClose(e2, Graphs.run(store, Mode.EVAL, x.toNd4j(), nchw::apply), 1e-12);
    }

    @Test
    void sequentialAppliesChildrenInOrderAndRecordsModules() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        Sequential seq = new Sequential(Scope.root(store, 1).child("proj"), 3, (sc, i) -> i == 1 ? new Identity(sc)
                : new Linear(sc, i == 0 ? 4 : 5, i == 0 ? 5 : 2, true, Init.uniform(1), Init.uniform(1)));
        assertEquals(3, seq.children().size());
        Dense x = Dense.random(5, 3, 4);
        Ops ops = new Ops(store, Mode.EVAL);
        Tensor in = ops.placeholder("x", -1, 4);
        Tensor out = seq.apply(ops, in);
        INDArray y = ops.sameDiff().output(java.util.Map.of("x", x.toNd4j()), out.var().name()).get(out.var().name());
        Dense expected = Reference.linear(Reference.linear(x, arr(store, "proj.0.weight"), arr(store, "proj.0.bias").v),
                arr(store, "proj.2.weight"), arr(store, "proj.2.bias").v);
        assertClose(expected, y, 1e-12);
        assertEquals(List.of(new ModuleRecord("proj", "Sequential", "[B, 2]", 0),
                new ModuleRecord("proj.0", "Linear", "[B, 5]", 1),
                new ModuleRecord("proj.1", "Identity", "[B, 5]", 1),
                new ModuleRecord("proj.2", "Linear", "[B, 2]", 1)), ops.moduleRecords());
    }

    @Test
    void identityAndZeroDropoutReturnTheirInput() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Ops ops = new Ops(store, Mode.TRAIN);
        Tensor x = ops.placeholder("x", -1, 3);
        assertSame(x, new Identity(Scope.root(store, 1).child("id")).apply(ops, x));
        assertSame(x, new Dropout(Scope.root(store, 1).child("d"), 0.0).apply(ops, x));
        assertSame(x, new DropPath(Scope.root(store, 1).child("dp"), 0.0).apply(ops, x));
        assertEquals(false, ops.usesLearningPhase());
    }
}
