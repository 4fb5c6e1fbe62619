package dev.tokenmix.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.params.Layout;
import dev.tokenmix.core.params.Param;
import dev.tokenmix.core.params.ParameterStore;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AdamWTest {
    private static final double LR = 0.1;
    private static final double B1 = 0.9;
    private static final double B2 = 0.999;
    private static final double EPS = 1e-8;
    private static final double WD = 0.05;

    /** Linear least squares y ~ x w + b: a weight [2, 3] (decayed) and a bias [3] (not decayed). */
    private static ParameterStore toyStore() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        INDArray w = Nd4j.createFromArray(new float[][] {{0.5f, -1.0f, 0.25f}, {2.0f, 0.75f, -0.5f}});
        INDArray b = Nd4j.createFromArray(0.1f, -0.2f, 0.3f);
        store.add("fc.weight", w, Param.Kind.PARAMETER, Layout.TORCH, new long[] {2, 3});
        store.add("fc.bias", b, Param.Kind.PARAMETER, Layout.TORCH, new long[] {3});
        store.add("bn.running_mean", Nd4j.zeros(DataType.FLOAT, 3), Param.Kind.BUFFER, Layout.TORCH, new long[] {3});
        return store;
    }

    /** Gradients of mean((x w + b - y)^2), computed eagerly. */
    private static Map<String, INDArray> gradients(ParameterStore store) {
        INDArray x = Nd4j.createFromArray(new float[][] {{1f, 2f}, {-1f, 0.5f}, {0.3f, -2f}, {1.5f, 1f}});
        INDArray y = Nd4j.createFromArray(new float[][] {{1f, 0f, -1f}, {0f, 2f, 1f}, {-1f, 1f, 0f}, {2f, -1f, 1f}});
        INDArray r = x.mmul(store.array("fc.weight")).addRowVector(store.array("fc.bias")).subi(y);
        double scale = 2.0 / r.length();
        Map<String, INDArray> g = new LinkedHashMap<>();
        g.put("fc.weight", x.transpose().mmul(r).muli(scale));
        g.put("fc.bias", r.sum(0).muli(scale));
        return g;
    }

    @Test
    void twoStepsMatchHandComputedAdamWForOneElement() {
        ParameterStore store = toyStore();
        AdamW opt = new AdamW(store, LR, B1, B2, EPS, WD);
        double w0 = store.array("fc.weight").getDouble(0, 1);
        double b0 = store.array("fc.bias").getDouble(2);

        Map<String, INDArray> g1 = gradients(store);
        double gw1 = g1.get("fc.weight").getDouble(0, 1);
        double gb1 = g1.get("fc.bias").getDouble(2);
        opt.step(g1);

        // t = 1
        double mw = (1 - B1) * gw1;
        double vw = (1 - B2) * gw1 * gw1;
        double w1 = w0 * (1 - LR * WD) - LR / (1 - B1) * mw / (Math.sqrt(vw) / Math.sqrt(1 - B2) + EPS);
        double mb = (1 - B1) * gb1;
        double vb = (1 - B2) * gb1 * gb1;
        double b1 = b0 - LR / (1 - B1) * mb / (Math.sqrt(vb) / Math.sqrt(1 - B2) + EPS);
        assertEquals(w1, store.array("fc.weight").getDouble(0, 1), 1e-6);
        assertEquals(b1, store.array("fc.bias").getDouble(2), 1e-6, "biases are not decayed");

        // t = 2: moments carry over and the bias correction uses t = 2
        Map<String, INDArray> g2 = gradients(store);
        double gw2 = g2.get("fc.weight").getDouble(0, 1);
        opt.step(g2);
        mw = B1 * mw + (1 - B1) * gw2;
        vw = B2 * vw + (1 - B2) * gw2 * gw2;
        double w2 = w1 * (1 - LR * WD)
                - LR / (1 - B1 * B1) * mw / (Math.sqrt(vw) / Math.sqrt(1 - B2 * B2) + EPS);
        assertEquals(w2, store.array("fc.weight").getDouble(0, 1), 1e-6);
        assertEquals(2, opt.steps());
    }

    @Test
    void theJavaPassAndTheNativeCallsAgree() {
        // dense gradients take the one-pass Java kernel; column-major copies of the same gradients are not dense
        // row-major arrays, so the same steps go through libnd4j's adam_updater
        ParameterStore java = toyStore();
        ParameterStore nativeCalls = toyStore();
        AdamW a = new AdamW(java, LR, B1, B2, EPS, WD);
        AdamW b = new AdamW(nativeCalls, LR, B1, B2, EPS, WD);
        for (int i = 0; i < 3; i++) {
            a.step(gradients(java));
            Map<String, INDArray> columnMajor = new LinkedHashMap<>();
            gradients(nativeCalls).forEach((k, g) -> columnMajor.put(k, g.dup('f')));
            b.step(columnMajor);
        }
        for (String k : new String[] {"fc.weight", "fc.bias"}) {
            INDArray diff = java.array(k).sub(nativeCalls.array(k));
            // the same formula in another order of float operations: a few units in the last place of values near 2
            assertTrue(diff.amaxNumber().doubleValue() < 1e-5, k + " differs by " + diff.amaxNumber());
            assertTrue(java.array(k).sub(toyStore().array(k)).amaxNumber().doubleValue() > 1e-3, k + " moved");
        }
    }

    @Test
    void epsilonSitsWherePytorchPutsIt() {
        // gradients so small that epsilon dominates the denominator: PyTorch adds it to sqrt(v) / sqrt(1 - b2^t),
        // not to sqrt(v), and the two differ here by a factor of about three
        ParameterStore store = toyStore();
        AdamW opt = new AdamW(store, LR, B1, B2, EPS, 0.0);
        double w0 = store.array("fc.weight").getDouble(0, 1);
        double g = 3e-9;
        Map<String, INDArray> grads = new LinkedHashMap<>();
        grads.put("fc.weight", store.array("fc.weight").like().assign(g));
        opt.step(grads);
        double m = (1 - B1) * g;
        double v = (1 - B2) * g * g;
        double step = LR / (1 - B1) * m / (Math.sqrt(v) / Math.sqrt(1 - B2) + EPS);
        double wrong = LR * Math.sqrt(1 - B2) / (1 - B1) * m / (Math.sqrt(v) + EPS);
        assertTrue(Math.abs(step - wrong) > 0.3 * step, "the case tells the two placements apart");
        assertEquals(step, w0 - store.array("fc.weight").getDouble(0, 1), 1e-3 * step);
    }

    @Test
    void stepsReduceTheToyLoss() {
        ParameterStore store = toyStore();
        AdamW opt = new AdamW(store, 0.05, B1, B2, EPS, 0.0);
        double before = loss(store);
        for (int i = 0; i < 50; i++) {
            opt.step(gradients(store));
        }
        assertTrue(loss(store) < 0.5 * before, "loss " + before + " -> " + loss(store));
    }

    @Test
    void decayRuleIsRankAtLeastTwoExceptBiasesAndNamedTokens() {
        ParameterStore store = toyStore();
        store.add("pos_embed", Nd4j.zeros(DataType.FLOAT, 1, 4, 3), Param.Kind.PARAMETER, Layout.TORCH,
                new long[] {1, 4, 3});
        store.add("blocks.0.attn.relative_position_bias_table", Nd4j.zeros(DataType.FLOAT, 9, 2),
                Param.Kind.PARAMETER, Layout.TORCH, new long[] {9, 2});
        WeightDecayRule rule = WeightDecayRule.of(java.util.Set.of("pos_embed", "relative_position_bias_table"));
        assertTrue(rule.decays(store.get("fc.weight")));
        assertFalse(rule.decays(store.get("fc.bias")));
        assertFalse(rule.decays(store.get("pos_embed")));
        assertFalse(rule.decays(store.get("blocks.0.attn.relative_position_bias_table")));
        assertTrue(WeightDecayRule.ranksOnly().decays(store.get("pos_embed")));
    }

    @Test
    void stateRoundTripContinuesIdentically() {
        ParameterStore a = toyStore();
        ParameterStore b = toyStore();
        AdamW optA = new AdamW(a, LR, B1, B2, EPS, WD);
        optA.step(gradients(a));
        AdamW optB = new AdamW(b, LR, B1, B2, EPS, WD);
        b.array("fc.weight").assign(a.array("fc.weight"));
        b.array("fc.bias").assign(a.array("fc.bias"));
        Map<String, INDArray> saved = new LinkedHashMap<>();
        optA.state().forEach((k, v) -> saved.put(k, v.dup()));
        optB.loadState(saved);
        optA.step(gradients(a));
        optB.step(gradients(b));
        assertEquals(a.array("fc.weight"), b.array("fc.weight"));
        assertEquals(a.array("fc.bias"), b.array("fc.bias"));
        assertEquals(2L, optA.state().get("step/fc.weight").getLong(0));
    }

    @Test
    void rejectsUnknownKeysBuffersAndWrongShapes() {
        ParameterStore store = toyStore();
        AdamW opt = new AdamW(store, LR);
        assertThrows(IllegalArgumentException.class, () -> opt.step(Map.of("nope", Nd4j.zeros(3))));
        assertThrows(IllegalArgumentException.class,
                () -> opt.step(Map.of("bn.running_mean", Nd4j.zeros(DataType.FLOAT, 3))));
        assertThrows(IllegalArgumentException.class,
                () -> opt.step(Map.of("fc.bias", Nd4j.zeros(DataType.FLOAT, 4))));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(store, -1));
    }

    private static double loss(ParameterStore store) {
        INDArray x = Nd4j.createFromArray(new float[][] {{1f, 2f}, {-1f, 0.5f}, {0.3f, -2f}, {1.5f, 1f}});
        INDArray y = Nd4j.createFromArray(new float[][] {{1f, 0f, -1f}, {0f, 2f, 1f}, {-1f, 1f, 0f}, {2f, -1f, 1f}});
        INDArray r = x.mmul(store.array("fc.weight")).addRowVector(store.array("fc.bias")).subi(y);
        return r.mul(r).meanNumber().doubleValue();
    }
}
