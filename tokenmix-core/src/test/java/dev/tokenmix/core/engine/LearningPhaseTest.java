package dev.tokenmix.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.nn.BatchNorm2d;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.Dropout;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.testing.Dense;
import dev.tokenmix.core.testing.Graphs;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Train/eval behaviour switched by the {@code keras_learning_phase} placeholder: SameDiff fills it with false in
 * {@code output()}, so a TRAIN graph run for inference behaves as the EVAL graph; with the phase true, dropout is
 * inverted dropout, DropPath drops whole samples and BatchNorm uses batch statistics.
 */
class LearningPhaseTest {

    /** Dropout, then BatchNorm with non-default statistics, then DropPath, over [B, 3, 2, 2]. */
    static BiFunction<Ops, Tensor, Tensor> dropBnDrop(ParameterStore store) {
        Scope s = Scope.root(store, 1);
        Dropout drop = new Dropout(s.child("drop"), 0.5);
        BatchNorm2d bn = new BatchNorm2d(s.child("bn"), 3);
        DropPath dp = new DropPath(s.child("dp"), 0.5);
        store.array("bn.weight").assign(Nd4j.createFromArray(0.5, 1.5, -1.0));
        store.array("bn.bias").assign(Nd4j.createFromArray(0.1, -0.2, 0.3));
        store.array("bn.running_mean").assign(Nd4j.createFromArray(0.2, -0.4, 0.0));
        store.array("bn.running_var").assign(Nd4j.createFromArray(0.5, 2.0, 0.25));
        return (ops, x) -> dp.apply(ops, bn.apply(ops, drop.apply(ops, x)));
    }

    static INDArray output(CompiledGraph g, INDArray x, boolean phase) {
        String y = g.output("y").var().name();
        return g.sameDiff().output(Map.of(g.inputName(), x, Ops.LEARNING_PHASE, Nd4j.scalar(phase)), y).get(y);
    }

    @Test
    void trainGraphRunForInferenceBehavesAsTheEvalGraph() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        BiFunction<Ops, Tensor, Tensor> body = dropBnDrop(store);
        Dense x = Dense.random(1, 4, 3, 2, 2);
        CompiledGraph train = Graphs.compile(store, Mode.TRAIN, x.longShape(), body);
        CompiledGraph eval = Graphs.compile(store, Mode.EVAL, x.longShape(), body);
        assertTrue(train.ops().usesLearningPhase());
        assertFalse(eval.ops().usesLearningPhase());
        INDArray yTrain = train.run(x.toNd4j(), "y"); // phase auto-filled with false
        INDArray yEval = eval.run(x.toNd4j(), "y");
        double[] w = {0.5, 1.5, -1.0};
        double[] b = {0.1, -0.2, 0.3};
        double[] rm = {0.2, -0.4, 0.0};
        double[] rv = {0.5, 2.0, 0.25};
        Dense expected = new Dense(x.shape);
        for (int i = 0; i < x.v.length; i++) {
            int c = (i / 4) % 3;
            expected.v[i] = (x.v[i] - rm[c]) / Math.sqrt(rv[c] + 1e-5) * w[c] + b[c];
        }
        Graphs.assertClose(expected, yEval, 1e-12);
        Graphs.assertClose(expected, yTrain, 1e-12);
        Graphs.assertClose(expected, output(train, x.toNd4j(), false), 1e-12);
    }

    @Test
    void evalGraphLeavesDropoutOut() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Ops ops = new Ops(store, Mode.EVAL);
        Tensor x = ops.placeholder("x", -1, 4);
        assertSame(x, ops.dropout(x, 0.5));
        assertSame(x, ops.dropPath(x, 0.5));
        assertFalse(ops.usesLearningPhase());
    }

    @Test
    void dropoutInTheTrainingPhaseIsInvertedDropout() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        Dense x = Dense.uniform(2, 1, 2, 4, 64);
        double p = 0.25;
        CompiledGraph g = Graphs.compile(store, Mode.TRAIN, x.longShape(), (ops, t) -> ops.dropout(t, p));
        Dense y = Dense.of(output(g, x.toNd4j(), true));
        int dropped = 0;
        for (int i = 0; i < x.v.length; i++) {
            if (y.v[i] == 0) {
                dropped++;
            } else {
                assertEquals(x.v[i] / (1 - p), y.v[i], 1e-12, "kept values are scaled by 1/keep");
            }
        }
        // 256 values, expected 64 dropped (standard deviation ~7)
        assertTrue(dropped > 30 && dropped < 100, dropped + " of 256 dropped with p = 0.25");
    }

    @Test
    void dropPathInTheTrainingPhaseDropsWholeSamples() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        Dense x = Dense.uniform(3, 1, 2, 32, 3, 2, 2);
        double p = 0.5;
        CompiledGraph g = Graphs.compile(store, Mode.TRAIN, x.longShape(), (ops, t) -> ops.dropPath(t, p));
        Dense y = Dense.of(output(g, x.toNd4j(), true));
        int per = 12;
        int dropped = 0;
        for (int b = 0; b < 32; b++) {
            boolean zero = y.v[b * per] == 0;
            dropped += zero ? 1 : 0;
            for (int i = b * per; i < (b + 1) * per; i++) {
                assertEquals(zero ? 0 : x.v[i] / (1 - p), y.v[i], 1e-12, "sample " + b + " is not all dropped or all kept");
            }
        }
        assertTrue(dropped > 0 && dropped < 32, dropped + " of 32 samples dropped with p = 0.5");
    }

    @Test
    void batchNormInTheTrainingPhaseUsesBatchStatistics() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        BatchNorm2d bn = new BatchNorm2d(Scope.root(store, 1).child("bn"), 2, 1e-3, 0.1);
        store.array("bn.weight").assign(Nd4j.createFromArray(2.0, 0.5));
        store.array("bn.running_mean").assign(Nd4j.createFromArray(10.0, -10.0));
        Dense x = Dense.random(4, 3, 2, 2, 3);
        CompiledGraph g = Graphs.compile(store, Mode.TRAIN, x.longShape(), bn::apply);
        Dense y = Dense.of(output(g, x.toNd4j(), true));
        for (int c = 0; c < 2; c++) {
            double m = 0;
            double v = 0;
            int n = 0;
            for (int b = 0; b < 3; b++) {
                for (int i = 0; i < 6; i++) {
                    m += x.v[(b * 2 + c) * 6 + i];
                    n++;
                }
            }
            m /= n;
            for (int b = 0; b < 3; b++) {
                for (int i = 0; i < 6; i++) {
                    double d = x.v[(b * 2 + c) * 6 + i] - m;
                    v += d * d;
                }
            }
            v /= n; // biased, as PyTorch normalises with
            double w = c == 0 ? 2.0 : 0.5;
            for (int b = 0; b < 3; b++) {
                for (int i = 0; i < 6; i++) {
                    int k = (b * 2 + c) * 6 + i;
                    assertEquals((x.v[k] - m) / Math.sqrt(v + 1e-3) * w, y.v[k], 1e-12);
                }
            }
        }
        // inference on the same graph still uses the running statistics
        Dense yi = Dense.of(g.run(x.toNd4j(), "y"));
        assertEquals((x.v[0] - 10.0) / Math.sqrt(1 + 1e-3) * 2.0, yi.v[0], 1e-12);
    }
}
