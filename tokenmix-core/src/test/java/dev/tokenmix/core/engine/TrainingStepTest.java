package dev.tokenmix.core.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.nn.BatchNorm2d;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.Dropout;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.testing.Dense;
import dev.tokenmix.core.testing.Graphs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training step: loss and gradients in one execution, BatchNorm running statistics updated with PyTorch's
 * rule, and graphs that read the store's arrays so in-place updates reach every graph.
 */
class TrainingStepTest {

    /** conv 3x3 -> BatchNorm -> global average -> linear -> soft-target cross-entropy, over [B, 2, 3, 3]. */
    static final class Net {
        final ParameterStore store;
        final Conv2d conv;
        final BatchNorm2d bn;
        final Linear head;
        final double drop;

        Net(DataType dt, boolean withConv, double drop) {
            store = new ParameterStore(dt);
            Scope s = Scope.root(store, 7);
            conv = withConv ? Conv2d.builder(s.child("conv"), 2, 2, 3).padding(1).weightInit(Init.uniform(0.6)).build()
                    : null;
            bn = new BatchNorm2d(s.child("bn"), 2);
            head = new Linear(s.child("head"), 2, 3, true, Init.uniform(1.0), Init.uniform(0.5));
            this.drop = drop;
            store.array("bn.weight").assign(Nd4j.createFromArray(1.3, 0.7));
            store.array("bn.bias").assign(Nd4j.createFromArray(0.2, -0.1));
            store.array("bn.running_mean").assign(Nd4j.createFromArray(0.5, -0.2));
            store.array("bn.running_var").assign(Nd4j.createFromArray(1.5, 0.8));
        }

        Tensor features(Ops ops, Tensor x) {
            Tensor h = conv == null ? x : conv.apply(ops, x);
            h = bn.apply(ops, h);
            h = ops.mean(h, false, 2, 3); // [B, 2]
            if (drop > 0) {
                h = new Dropout(Scope.root(store, 7).child("drop"), drop).apply(ops, h);
            }
            return head.apply(ops, h);
        }

        TrainingStep step() {
            Ops ops = new Ops(store, Mode.TRAIN);
            Tensor x = ops.placeholder("x", -1, 2, 3, 3);
            Tensor t = ops.placeholder("targets", -1, 3);
            return new TrainingStep(ops, ops.softTargetCrossEntropy(features(ops, x), t));
        }

        CompiledGraph eval() {
            return Graphs.compile(store, Mode.EVAL, new long[] {-1, 2, 3, 3}, this::features);
        }
    }

    static Map<String, INDArray> batch(long seed, DataType dt) {
        Dense x = Dense.random(seed, 2, 2, 3, 3);
        Dense t = Dense.uniform(seed + 1, 0, 1, 2, 3);
        return Map.of("x", x.toNd4j(dt), "targets", t.toNd4j(dt));
    }

    /** Per-channel mean and unbiased variance of [B, C, H, W]. */
    static double[][] channelStats(INDArray x) {
        Dense d = Dense.of(x);
        int b = d.dim(0);
        int c = d.dim(1);
        int hw = d.dim(2) * d.dim(3);
        double[][] out = new double[2][c];
        for (int ch = 0; ch < c; ch++) {
            double m = 0;
            for (int n = 0; n < b; n++) {
                for (int i = 0; i < hw; i++) {
                    m += d.v[(n * c + ch) * hw + i];
                }
            }
            m /= b * hw;
            double v = 0;
            for (int n = 0; n < b; n++) {
                for (int i = 0; i < hw; i++) {
                    double e = d.v[(n * c + ch) * hw + i] - m;
                    v += e * e;
                }
            }
            out[0][ch] = m;
            out[1][ch] = v / (b * hw - 1);
        }
        return out;
    }

    @Test
    void runningStatisticsFollowPyTorchsUpdateRule() {
        Net net = new Net(DataType.DOUBLE, false, 0);
        TrainingStep step = net.step();
        double[] mean = {0.5, -0.2};
        double[] var = {1.5, 0.8};
        for (int it = 1; it <= 2; it++) {
            Map<String, INDArray> in = batch(it, DataType.DOUBLE);
            step.run(in);
            double[][] s = channelStats(in.get("x"));
            for (int c = 0; c < 2; c++) {
                mean[c] = 0.9 * mean[c] + 0.1 * s[0][c];
                var[c] = 0.9 * var[c] + 0.1 * s[1][c]; // unbiased: n/(n-1) times the batch's biased variance
                assertEquals(mean[c], net.store.array("bn.running_mean").getDouble(c), 1e-12, "running_mean");
                assertEquals(var[c], net.store.array("bn.running_var").getDouble(c), 1e-12, "running_var");
            }
            assertEquals(it, net.store.array("bn.num_batches_tracked").getDouble(0), 0.0, "num_batches_tracked");
        }
    }

    @Test
    void evalGraphsBuiltBeforeAndAfterAStepSeeTheNewRunningStatistics() {
        Net net = new Net(DataType.DOUBLE, false, 0);
        Dense probe = Dense.random(9, 1, 2, 3, 3);
        CompiledGraph before = net.eval();
        INDArray y0 = before.run(probe.toNd4j(), "y").dup();
        net.step().run(batch(3, DataType.DOUBLE));
        INDArray rm = net.store.array("bn.running_mean");
        INDArray rv = net.store.array("bn.running_var");
        assertNotEquals(0.5, rm.getDouble(0), 1e-6);
        // expected output from the updated statistics
        double[] w = {1.3, 0.7};
        double[] b = {0.2, -0.1};
        Dense pooled = new Dense(1, 2);
        for (int c = 0; c < 2; c++) {
            double m = 0;
            for (int i = 0; i < 9; i++) {
                m += probe.v[c * 9 + i];
            }
            pooled.v[c] = (m / 9 - rm.getDouble(c)) / Math.sqrt(rv.getDouble(c) + 1e-5) * w[c] + b[c];
        }
        Dense expected = dev.tokenmix.core.testing.Reference.linear(pooled, Dense.of(net.store.array("head.weight")),
                Dense.of(net.store.array("head.bias")).v);
        Graphs.assertClose(expected, before.run(probe.toNd4j(), "y"), 1e-12);
        Graphs.assertClose(expected, net.eval().run(probe.toNd4j(), "y"), 1e-12);
        assertTrue(Graphs.maxAbsDiff(Dense.of(y0).v, expected.v) > 1e-6, "the step changed nothing");
    }

    @Test
    void gradientsEqualCentralDifferencesAndParameterUpdatesAreSeen() {
        Net net = new Net(DataType.DOUBLE, true, 0);
        TrainingStep step = net.step();
        Map<String, INDArray> in = batch(5, DataType.DOUBLE);
        TrainingStep.Result r = step.run(in);
        assertEquals(List.of("conv.weight", "conv.bias", "bn.weight", "bn.bias", "head.weight", "head.bias"),
                step.parameterKeys());
        double h = 1e-6;
        int checked = 0;
        for (String key : step.parameterKeys()) {
            INDArray p = net.store.array(key);
            INDArray g = r.gradients().get(key);
            assertArrayEquals(p.shape(), g.shape(), key);
            for (long i = 0; i < p.length(); i++) {
                double v = p.getDouble(i);
                p.putScalar(i, v + h); // in place: the next run must see it
                double up = step.run(in).loss();
                p.putScalar(i, v - h);
                double down = step.run(in).loss();
                p.putScalar(i, v);
                double numeric = (up - down) / (2 * h);
                double analytic = g.getDouble(i);
                double err = Math.abs(numeric - analytic) / Math.max(1e-8, Math.abs(numeric) + Math.abs(analytic));
                assertTrue(err < 1e-5 || Math.abs(numeric - analytic) < 1e-9,
                        key + "[" + i + "]: analytic " + analytic + " vs numerical " + numeric);
                checked++;
            }
        }
        assertEquals(2 * 2 * 9 + 2 + 2 + 2 + 6 + 3, checked);
    }

    @Test
    void inPlaceRunsGiveTheSameGradientsInBuffersTheNextRunOverwrites() {
        Net net = new Net(DataType.FLOAT, true, 0);
        TrainingStep step = net.step();
        Map<String, INDArray> a = batch(5, DataType.FLOAT);
        Map<String, INDArray> b = batch(9, DataType.FLOAT);
        TrainingStep.Result copiedA = step.run(a);
        TrainingStep.Result copiedB = step.run(b);
        TrainingStep.Result sharedA = step.runInPlace(a);
        INDArray headA = sharedA.gradients().get("head.weight");
        assertEquals(copiedA.loss(), sharedA.loss(), 0.0);
        copiedA.gradients().forEach((k, g) -> assertEquals(g, sharedA.gradients().get(k), k));
        TrainingStep.Result sharedB = step.runInPlace(b);
        assertEquals(copiedB.gradients().get("head.weight"), headA, "the next run wrote into the same buffer");
        assertTrue(copiedA.gradients().get("head.weight").sub(headA).amaxNumber().doubleValue() > 1e-4,
                "the two batches have different gradients");
        assertEquals(copiedB.loss(), sharedB.loss(), 0.0);
    }

    @Test
    void aSgdStepInTheStoreLowersTheLossAndEveryGraphSeesIt() {
        Net net = new Net(DataType.FLOAT, true, 0);
        TrainingStep step = net.step();
        Map<String, INDArray> in = batch(6, DataType.FLOAT);
        TrainingStep.Result r0 = step.run(in);
        for (String key : step.parameterKeys()) {
            net.store.array(key).subi(r0.gradients().get(key).mul(0.05));
        }
        double l1 = step.run(in).loss();
        assertTrue(l1 < r0.loss(), "loss " + r0.loss() + " -> " + l1);
        // a step prepared now over the same store computes the same loss
        double fresh = net.step().run(in).loss();
        assertEquals(fresh, l1, 1e-6);
    }

    @Test
    void dropoutMasksChangeFromStepToStep() {
        Net net = new Net(DataType.DOUBLE, false, 0.5);
        TrainingStep step = net.step();
        Map<String, INDArray> in = batch(8, DataType.DOUBLE);
        INDArray g0 = step.run(in).gradients().get("head.weight").dup();
        boolean changed = false;
        for (int i = 0; i < 8 && !changed; i++) {
            changed = !g0.equalsWithEps(step.run(in).gradients().get("head.weight"), 1e-12);
        }
        assertTrue(changed, "every training step drew the same dropout mask");
    }

    @Test
    void aTrainingStepNeedsATrainGraph() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Ops ops = new Ops(store, Mode.EVAL);
        Tensor x = ops.placeholder("x", -1, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrainingStep(ops, ops.softTargetCrossEntropy(x, x)));
        assertTrue(e.getMessage().contains("Mode.TRAIN"), e.getMessage());
    }
}
