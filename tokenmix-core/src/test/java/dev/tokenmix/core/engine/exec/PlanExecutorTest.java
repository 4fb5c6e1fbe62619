package dev.tokenmix.core.engine.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tokenmix.core.engine.CompiledGraph;
import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Layout;
import dev.tokenmix.core.params.Param;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.testing.Dense;
import dev.tokenmix.core.testing.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The plan executor against SameDiff's own {@code output()} on the same graph: every fusion the facade records,
 * buffer reuse over changing batch sizes, rebuilding after a parameter array is replaced, and the fallback of
 * {@link CompiledGraph} for graphs the plan cannot run.
 */
class PlanExecutorTest {
    private static final String X = "x";
    private static final double RTOL = 1e-5;
    private static final double ATOL = 1e-6;

    // ------------------------------------------------------------------ fusions

    @Test
    void geluMatchesSameDiffAndTheExactFormOnMinusEightToEight() {
        Ops ops = floatOps(new ParameterStore(DataType.FLOAT));
        Tensor in = ops.placeholder(X, -1, 257);
        Tensor y = ops.gelu(in);
        Dense x = Dense.uniform(11, -8, 8, 3, 257);
        for (int i = 0; i < 257; i++) {
            x.v[i] = -8 + 16.0 * i / 256; // row 0 a grid through 0 and past the erf clamp at |x / sqrt 2| = 4
        }
        INDArray got = checkAgainstSameDiff(ops, y, x.toNd4j(DataType.FLOAT), "fused_gelu", RTOL, 2e-6).got();
        Dense exact = new Dense(x.shape);
        for (int i = 0; i < x.v.length; i++) {
            exact.v[i] = Reference.gelu((float) x.v[i]);
        }
        assertAllClose(exact.toNd4j(DataType.FLOAT), got, RTOL, 2e-6, "against the double-precision GELU");
    }

    @ParameterizedTest(name = "weight {0}, bias {1}")
    @CsvSource({"true, true", "false, false", "true, false", "false, true"})
    void lastAxisLayerNormMatchesSameDiffWithEpsThatMatters(boolean withWeight, boolean withBias) {
        int c = 24;
        double eps = 1e-5;
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        String w = withWeight ? addParam(store, "norm.weight", 1, 0.5, 1.5, c) : null;
        String b = withBias ? addParam(store, "norm.bias", 2, -0.5, 0.5, c) : null;
        Ops ops = floatOps(store);
        Tensor in = ops.placeholder(X, -1, 5, c);
        Tensor y = ops.layerNorm(in, w == null ? null : ops.param(w), b == null ? null : ops.param(b), eps, -1);
        Dense x = lnInput(3, 5, c);
        INDArray got = checkAgainstSameDiff(ops, y, x.toNd4j(DataType.FLOAT), "fused_layer_norm", RTOL, 1e-5).got();

        double[] wv = w == null ? null : Dense.of(store.array(w)).v;
        double[] bv = b == null ? null : Dense.of(store.array(b)).v;
        Dense exact = Reference.layerNormLast(Dense.of(x.toNd4j(DataType.FLOAT)), wv, bv, eps);
        assertAllClose(exact.toNd4j(DataType.FLOAT), got, RTOL, 1e-5, "against the double-precision LayerNorm");
        // the small-variance rows would come out far from this without eps: the test sees a dropped eps
        Dense noEps = Reference.layerNormLast(Dense.of(x.toNd4j(DataType.FLOAT)), wv, bv, 1e-12);
        assertTrue(maxAbsDiff(noEps.toNd4j(DataType.FLOAT), got) > 0.1, "eps has no effect on these rows");
    }

    @Test
    void linearWithBiasOnARank3InputMatchesSameDiff() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        String w = addParam(store, "fc.weight", 5, -0.3, 0.3, 20, 12);
        String b = addParam(store, "fc.bias", 6, -1, 1, 20);
        Ops ops = floatOps(store);
        Tensor in = ops.placeholder(X, -1, 7, 12);
        Tensor y = ops.linear(in, ops.param(w), ops.param(b));
        assertArrayEquals(new long[] {-1, 7, 20}, y.shape());
        checkAgainstSameDiff(ops, y, Dense.uniform(7, -2, 2, 2, 7, 12).toNd4j(DataType.FLOAT), "fused_linear",
                RTOL, ATOL);
    }

    @Test
    void linearWithoutBiasMatchesSameDiff() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        String w = addParam(store, "fc.weight", 8, -0.3, 0.3, 9, 12);
        Ops ops = floatOps(store);
        Tensor in = ops.placeholder(X, -1, 12);
        Tensor y = ops.linear(in, ops.param(w), null);
        checkAgainstSameDiff(ops, y, Dense.uniform(9, -2, 2, 3, 12).toNd4j(DataType.FLOAT), "fused_linear",
                RTOL, ATOL);
    }

    @Test
    void pointwiseConvWithAPermutedViewWeightAndBiasMatchesSameDiff() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        String w = addPermutedConvWeight(store, "proj.weight", 10, 6, 5);
        String b = addParam(store, "proj.bias", 11, -1, 1, 6);
        Ops ops = floatOps(store);
        Tensor in = ops.placeholder(X, -1, 5, 4, 3);
        Tensor y = pointwise(ops, in, ops.param(w), ops.param(b));
        INDArray bound = ops.sameDiff().getArrForVarName(w);
        assertSame(store.array(w), bound, "precondition: the graph reads the store's array");
        assertNotEquals(1L, bound.stride(3), "precondition: the weight is a strided view, not a dense array");
        INDArray x = Dense.uniform(12, -2, 2, 2, 5, 4, 3).toNd4j(DataType.FLOAT);
        List<String> labels = checkAgainstSameDiff(ops, y, x, "fused_pointwise_conv", RTOL, ATOL).labels();
        assertTrue(labels.contains("dense_copy"), "no dense copy of the permuted weight in " + labels);
    }

    @Test
    void aDenseOneByOneWeightMatchesSameDiffWithoutACopyPerRun() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        INDArray torch = Dense.uniform(15, -0.5, 0.5, 7, 4, 1, 1).toNd4j(DataType.FLOAT); // [O, C, 1, 1]
        store.add("proj.weight", Layout.CONV_YXIO.fromTorch(torch), Param.Kind.PARAMETER, Layout.CONV_YXIO,
                torch.shape());
        Ops ops = floatOps(store);
        Tensor in = ops.placeholder(X, -1, 4, 3, 5);
        Tensor y = pointwise(ops, in, ops.param("proj.weight"), null);
        INDArray x = Dense.uniform(16, -2, 2, 2, 4, 3, 5).toNd4j(DataType.FLOAT);
        List<String> labels = checkAgainstSameDiff(ops, y, x, "fused_pointwise_conv", RTOL, ATOL).labels();
        // the weight is row-major and gap-free ([1, 1, 4, 7], strides [28, 28, 7, 1]): the fused product can read
        // it where it is, and a copy of it per run is wasted memory traffic
        assertFalse(labels.contains("dense_copy"), "a dense weight was copied: " + labels);
    }

    // ------------------------------------------------------------------ buffer reuse and copies

    @Test
    void twoBlocksGiveSameDiffsValuesOverChangingBatchSizes() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Ops ops = floatOps(store);
        Tensor in = ops.placeholder(X, -1, 6, 8);
        Tensor y = twoBlocks(ops, store, in);
        PlanExecutor plan = new PlanExecutor(ops.sameDiff(), X, ops.fusions());
        int[] batches = {2, 1, 3, 2};
        List<INDArray> kept = new ArrayList<>();
        List<INDArray> expected = new ArrayList<>();
        for (int i = 0; i < batches.length; i++) {
            INDArray x = Dense.uniform(100 + i, -2, 2, batches[i], 6, 8).toNd4j(DataType.FLOAT);
            INDArray want = viaSameDiff(ops, y, x);
            INDArray got = viaPlan(plan, y, x);
            assertAllClose(want, got, 1e-5, 1e-5, "run " + i + " (batch " + batches[i] + ")");
            kept.add(got);
            expected.add(want);
        }
        // returned values are copies: later runs (that reuse the plan's buffers) leave them alone
        for (int i = 0; i < kept.size(); i++) {
            assertAllClose(expected.get(i), kept.get(i), 1e-5, 1e-5, "kept result of run " + i);
        }
        // and writing into a returned array does not reach the next run
        INDArray x = Dense.uniform(103, -2, 2, 2, 6, 8).toNd4j(DataType.FLOAT);
        viaPlan(plan, y, x).assign(1e6);
        assertAllClose(expected.get(3), viaPlan(plan, y, x), 1e-5, 1e-5, "run after mutating a result");
    }

    @Test
    void severalOutputsOfOneRunAreIndependentCopies() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Ops ops = floatOps(store);
        Tensor in = ops.placeholder(X, -1, 6, 8);
        Tensor y = twoBlocks(ops, store, in);
        Tensor mid = ops.gelu(in);
        String a = y.var().name();
        String m = mid.var().name();
        PlanExecutor plan = new PlanExecutor(ops.sameDiff(), X, ops.fusions());
        for (int batch : new int[] {2, 2}) {
            INDArray x = Dense.uniform(200 + batch, -2, 2, batch, 6, 8).toNd4j(DataType.FLOAT);
            Map<String, INDArray> want = ops.sameDiff().output(Map.of(X, x), a, m);
            Map<String, INDArray> got = plan.run(x, List.of(a, m));
            assertAllClose(want.get(a), got.get(a), 1e-5, 1e-5, "head");
            assertAllClose(want.get(m), got.get(m), RTOL, 2e-6, "gelu of the input");
            assertNotSame(x, got.get(m));
        }
    }

    // ------------------------------------------------------------------ replaced parameters

    @Test
    void aParameterArrayReplacedInTheGraphRebuildsThePlan() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        String w = addParam(store, "fc.weight", 20, -0.3, 0.3, 10, 12);
        String b = addParam(store, "fc.bias", 21, -1, 1, 10);
        Ops ops = floatOps(store);
        Tensor in = ops.placeholder(X, -1, 12);
        Tensor y = ops.gelu(ops.linear(in, ops.param(w), ops.param(b)));
        PlanExecutor plan = new PlanExecutor(ops.sameDiff(), X, ops.fusions());
        INDArray x = Dense.uniform(22, -2, 2, 3, 12).toNd4j(DataType.FLOAT);
        INDArray before = viaPlan(plan, y, x);
        viaPlan(plan, y, x);

        ops.sameDiff().getVariable(w).setArray(Dense.uniform(23, -0.3, 0.3, 10, 12).toNd4j(DataType.FLOAT));
        ops.sameDiff().getVariable(b).setArray(Dense.uniform(24, -1, 1, 10).toNd4j(DataType.FLOAT));
        INDArray want = viaSameDiff(ops, y, x);
        assertTrue(maxAbsDiff(want, before) > 1e-2, "precondition: the new parameters change the output");
        assertAllClose(want, viaPlan(plan, y, x), RTOL, 2e-6, "first run after setArray");
        assertAllClose(want, viaPlan(plan, y, x), RTOL, 2e-6, "second run after setArray");
    }

    @Test
    void aPermutedConvWeightLoadedInPlaceIsSeenByTheNextRun() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        String w = addPermutedConvWeight(store, "proj.weight", 30, 6, 5);
        String b = addParam(store, "proj.bias", 31, -1, 1, 6);
        Ops ops = floatOps(store);
        Tensor in = ops.placeholder(X, -1, 5, 2, 3);
        Tensor y = pointwise(ops, in, ops.param(w), ops.param(b));
        PlanExecutor plan = new PlanExecutor(ops.sameDiff(), X, ops.fusions());
        INDArray x = Dense.uniform(32, -2, 2, 2, 5, 2, 3).toNd4j(DataType.FLOAT);
        INDArray before = viaPlan(plan, y, x);
        viaPlan(plan, y, x);

        // as the checkpoint loader does: new values assigned into the live arrays, which keep their identity
        INDArray torch = Dense.uniform(33, -0.5, 0.5, 6, 5, 1, 1).toNd4j(DataType.FLOAT);
        store.array(w).assign(Layout.CONV_YXIO.fromTorch(torch));
        store.array(b).assign(Dense.uniform(34, -1, 1, 6).toNd4j(DataType.FLOAT));
        INDArray want = viaSameDiff(ops, y, x);
        assertTrue(maxAbsDiff(want, before) > 1e-2, "precondition: the new parameters change the output");
        assertAllClose(want, viaPlan(plan, y, x), RTOL, ATOL, "run after loading in place");
    }

    // ------------------------------------------------------------------ fallback

    @Test
    void anOpThePlanCannotBindMakesCompiledGraphFallBackToSameDiff() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        String w = addParam(store, "fc.weight", 40, -0.3, 0.3, 8, 8);
        Ops ops = new Ops(store, Mode.EVAL);
        Tensor in = ops.placeholder(X, -1, 8);
        Tensor h = ops.gelu(ops.linear(in, ops.param(w), null));
        // a legacy reduction whose axis is an input array: SameDiff's session runs it, the plan does not bind it
        SDVariable axis = ops.sameDiff().constant(Nd4j.createFromArray(1));
        Tensor y = ops.wrap(new Sum(ops.sameDiff(), h.var(), axis).outputVariable(), -1);
        INDArray x = Dense.uniform(41, -2, 2, 3, 8).toNd4j(DataType.FLOAT);
        PlanExecutor plan = new PlanExecutor(ops.sameDiff(), X, ops.fusions());
        assertThrows(UnsupportedOperationException.class, () -> viaPlan(plan, y, x));

        String name = y.var().name();
        INDArray want = ops.sameDiff().output(Map.of(X, x), name).get(name);
        String before = System.getProperty(CompiledGraph.EXECUTOR_PROPERTY);
        try {
            System.setProperty(CompiledGraph.EXECUTOR_PROPERTY, "strict"); // the suite's own setting, made explicit
            CompiledGraph strict = new CompiledGraph(ops, in, Map.of("y", y));
            assertThrows(IllegalStateException.class, () -> strict.run(x, "y"));
            System.setProperty(CompiledGraph.EXECUTOR_PROPERTY, "plan"); // the default: fall back to SameDiff
            CompiledGraph g = new CompiledGraph(ops, in, Map.of("y", y));
            for (int i = 0; i < 2; i++) {
                assertAllClose(want, g.run(x, "y"), RTOL, ATOL, "CompiledGraph run " + i);
            }
        } finally {
            if (before == null) {
                System.clearProperty(CompiledGraph.EXECUTOR_PROPERTY);
            } else {
                System.setProperty(CompiledGraph.EXECUTOR_PROPERTY, before);
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private static Ops floatOps(ParameterStore store) {
        return new Ops(store, Mode.EVAL);
    }

    /** A trainable parameter of seeded uniform values in PyTorch layout; returns its key. */
    static String addParam(ParameterStore store, String key, long seed, double lo, double hi, int... shape) {
        Dense d = Dense.uniform(seed, lo, hi, shape);
        store.add(key, d.toNd4j(DataType.FLOAT), Param.Kind.PARAMETER, Layout.TORCH, d.longShape());
        return key;
    }

    /**
     * A 1x1 convolution weight kept as the permuted view {@code [1, 1, C, O]} of a PyTorch {@code [O, C, 1, 1]}
     * array, not a dense copy: the layout the executor has to densify before its kernels.
     */
    static String addPermutedConvWeight(ParameterStore store, String key, long seed, int out, int in) {
        INDArray torch = Dense.uniform(seed, -0.5, 0.5, out, in, 1, 1).toNd4j(DataType.FLOAT);
        INDArray view = torch.permute(2, 3, 1, 0); // [O, C, 1, 1] -> [1, 1, C, O], strided
        store.add(key, view, Param.Kind.PARAMETER, Layout.CONV_YXIO, torch.shape());
        return key;
    }

    private static Tensor pointwise(Ops ops, Tensor x, Tensor w, Tensor b) {
        return ops.conv2d(x, w, b, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1);
    }

    /** LayerNorm rows: ordinary ones, small-variance ones where eps dominates, constant ones, offset ones. */
    private static Dense lnInput(int batch, int tokens, int c) {
        Dense x = Dense.uniform(3, -2, 2, batch, tokens, c);
        for (int row = 0; row < batch * tokens; row++) {
            for (int j = 0; j < c; j++) {
                int i = row * c + j;
                switch (row % 4) {
                    case 1 -> x.v[i] *= 5e-4; // variance ~1e-7, far below eps
                    case 2 -> x.v[i] = 0.25; // constant: the output is the bias alone
                    case 3 -> x.v[i] = 0.5 + 0.05 * x.v[i];
                    default -> { }
                }
            }
        }
        return x;
    }

    /**
     * Two pre-norm transformer blocks on {@code [B, 6, 8]} tokens (two heads of 4), a 1x1-convolution token mixer
     * on the tokens seen as a 2x3 image, a softmax over an inner axis, then the mean token plus the normalised first
     * token: many short-lived intermediates for the plan's buffers.
     */
    private static Tensor twoBlocks(Ops ops, ParameterStore store, Tensor x) {
        long seed = 1000;
        for (int blk = 0; blk < 2; blk++) {
            String p = "blocks." + blk + ".";
            Tensor h = ops.layerNorm(x, ops.param(addParam(store, p + "norm1.weight", seed++, 0.5, 1.5, 8)),
                    ops.param(addParam(store, p + "norm1.bias", seed++, -0.2, 0.2, 8)), 1e-6, -1);
            Tensor qkv = ops.linear(h, ops.param(addParam(store, p + "qkv.weight", seed++, -0.4, 0.4, 24, 8)),
                    ops.param(addParam(store, p + "qkv.bias", seed++, -0.1, 0.1, 24)));
            qkv = ops.reshape(qkv, -1, 6, 3, 2, 4); // [B, N, 3, heads, hd]
            qkv = ops.permute(qkv, 2, 0, 3, 1, 4); // [3, B, heads, N, hd]
            Tensor q = ops.reshape(ops.slice(qkv, 0, 0, 1), -1, 2, 6, 4); // [B, heads, N, hd]
            Tensor k = ops.reshape(ops.slice(qkv, 0, 1, 2), -1, 2, 6, 4);
            Tensor v = ops.reshape(ops.slice(qkv, 0, 2, 3), -1, 2, 6, 4);
            Tensor attn = ops.softmax(ops.mul(ops.matmul(q, k, false, true), 0.5), -1); // [B, heads, N, N]
            Tensor o = ops.permute(ops.matmul(attn, v, false, false), 0, 2, 1, 3); // [B, N, heads, hd]
            o = ops.reshape(o, -1, 6, 8); // [B, N, C]
            o = ops.linear(o, ops.param(addParam(store, p + "proj.weight", seed++, -0.4, 0.4, 8, 8)), null);
            x = ops.add(x, o);

            Tensor img = ops.reshape(ops.permute(x, 0, 2, 1), -1, 8, 2, 3); // [B, C, 2, 3]
            Tensor mixed = pointwise(ops, img, ops.param(addPermutedConvWeight(store, p + "mix.weight", seed++, 8, 8)),
                    ops.param(addParam(store, p + "mix.bias", seed++, -0.1, 0.1, 8)));
            Tensor gate = ops.softmax(mixed, 1); // over the channels, an inner axis
            x = ops.add(x, ops.permute(ops.reshape(ops.mul(mixed, gate), -1, 8, 6), 0, 2, 1)); // [B, N, C]

            Tensor m = ops.layerNorm(x, null, null, 1e-5, -1);
            m = ops.gelu(ops.linear(m, ops.param(addParam(store, p + "fc1.weight", seed++, -0.4, 0.4, 16, 8)),
                    ops.param(addParam(store, p + "fc1.bias", seed++, -0.1, 0.1, 16))));
            m = ops.linear(m, ops.param(addParam(store, p + "fc2.weight", seed++, -0.3, 0.3, 8, 16)),
                    ops.param(addParam(store, p + "fc2.bias", seed++, -0.1, 0.1, 8)));
            x = ops.add(x, m);
        }
        // the first token normalised alone: a [B, 1, C] activation, which the fused LayerNorm reads as well
        Tensor first = ops.layerNorm(ops.slice(x, 1, 0, 1), null, null, 1e-6, -1); // [B, 1, C]
        return ops.add(ops.mean(x, false, 1), ops.reshape(first, -1, 8)); // [B, C]
    }

    private static INDArray viaPlan(PlanExecutor plan, Tensor y, INDArray x) {
        String name = y.var().name();
        return plan.run(x, List.of(name)).get(name);
    }

    private static INDArray viaSameDiff(Ops ops, Tensor y, INDArray x) {
        String name = y.var().name();
        return ops.sameDiff().output(Map.of(X, x), name).get(name);
    }

    /** The replayed result of a plan and the labels of the steps the replay ran. */
    private record Checked(INDArray got, List<String> labels) {
    }

    /**
     * Builds a plan for {@code x}, replays it, and checks both results against SameDiff and that the replay ran
     * the fused step {@code fusedLabel}.
     */
    private static Checked checkAgainstSameDiff(Ops ops, Tensor y, INDArray x, String fusedLabel, double rtol,
                                                 double atol) {
        INDArray want = viaSameDiff(ops, y, x);
        PlanExecutor plan = new PlanExecutor(ops.sameDiff(), X, ops.fusions());
        assertAllClose(want, viaPlan(plan, y, x), rtol, atol, "first (building) run");
        List<String> labels = new ArrayList<>();
        plan.setStepListener((label, nanos) -> labels.add(label));
        INDArray got = viaPlan(plan, y, x);
        assertAllClose(want, got, rtol, atol, "replayed run");
        assertTrue(labels.contains(fusedLabel), "no " + fusedLabel + " step in " + labels);
        return new Checked(got, labels);
    }

    /** Same shape and {@code |got - want| <= atol + rtol |want|} everywhere, as numpy's allclose. */
    static void assertAllClose(INDArray want, INDArray got, double rtol, double atol, String what) {
        assertArrayEquals(want.shape(), got.shape(), what + ": shape");
        Dense w = Dense.of(want);
        Dense g = Dense.of(got);
        for (int i = 0; i < w.v.length; i++) {
            double d = Math.abs(w.v[i] - g.v[i]);
            if (!(d <= atol + rtol * Math.abs(w.v[i]))) {
                fail(what + ": at flat index " + i + " expected " + w.v[i] + " but got " + g.v[i] + " (|diff| " + d
                        + ")");
            }
        }
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        assertEquals(a.length(), b.length());
        double[] x = Dense.of(a).v;
        double[] y = Dense.of(b).v;
        double m = 0;
        for (int i = 0; i < x.length; i++) {
            m = Math.max(m, Math.abs(x[i] - y[i]));
        }
        return m;
    }
}
