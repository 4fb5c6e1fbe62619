package dev.tokenmix.core.engine.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.engine.CompiledGraph;
import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.engine.TrainingStep;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.testing.Dense;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A training step through the plan executor gives SameDiff's own loss and gradients: the gradient graph's ops run
 * natively, {@code multiply_bp}/{@code add_bp}/{@code subtract_bp} are rewritten as broadcast products and sums, and
 * 1x1 convolutions, depthwise convolutions, GELU and LayerNorm (forward and backward) run as kernels of its own;
 * this graph has every broadcast the models use (bias rows, LayerNorm statistics and weights, channel-wise scales,
 * a scalar) and operands shared by both sides of a product.
 */
class PlanGradientsTest {

    private final String before = System.getProperty(CompiledGraph.EXECUTOR_PROPERTY);

    @AfterEach
    void restoreExecutor() {
        if (before == null) {
            System.clearProperty(CompiledGraph.EXECUTOR_PROPERTY);
        } else {
            System.setProperty(CompiledGraph.EXECUTOR_PROPERTY, before);
        }
    }

    /**
     * [B, 2, 14, 14] -> 1x1 conv -> channel scale -> channel LayerNorm + residual -> 5x5 depthwise + residual ->
     * channels last -> 3x3 depthwise + residual -> channels-last 1x1 conv + residual -> tokens -> LayerNorm ->
     * linear -> GELU -> residual -> loss.
     */
    static final class Net {
        final ParameterStore store = new ParameterStore(DataType.FLOAT);
        final Conv2d pw;
        final LayerNorm norm;
        final Linear fc;
        final Linear head;
        final Conv2d dw5;
        final Conv2d dw3;
        final Conv2d pwLast;

        Net() {
            Scope s = Scope.root(store, 11);
            pw = Conv2d.builder(s.child("pw"), 2, 6, 1).weightInit(Init.uniform(0.8)).build();
            norm = new LayerNorm(s.child("norm"), 6, 1e-5);
            fc = new Linear(s.child("fc"), 6, 6, true, Init.uniform(0.7), Init.uniform(0.3));
            head = new Linear(s.child("head"), 6, 3, true, Init.uniform(0.7), Init.uniform(0.3));
            dw5 = Conv2d.builder(s.child("dw5"), 6, 6, 5).padding(2).groups(6).weightInit(Init.uniform(0.3)).build();
            dw3 = Conv2d.builder(s.child("dw3"), 6, 6, 3).padding(1).groups(6).weightInit(Init.uniform(0.4)).build();
            pwLast = Conv2d.builder(s.child("pw_last"), 6, 6, 1).weightInit(Init.uniform(0.5)).build();
            store.array("norm.weight").assign(Dense.uniform(5, 0.5, 1.5, 6).toNd4j(DataType.FLOAT));
            store.array("norm.bias").assign(Dense.uniform(6, -0.3, 0.3, 6).toNd4j(DataType.FLOAT));
            s.parameter("scale", Init.uniform(0.5), 1, 6, 1, 1);
            store.array("scale").addi(1.0); // in [0.5, 1.5]
            s.parameter("norm2d.weight", Init.uniform(0.5), 6);
            store.array("norm2d.weight").addi(1.0);
            s.parameter("norm2d.bias", Init.uniform(0.3), 6);
        }

        TrainingStep step() {
            Ops ops = new Ops(store, Mode.TRAIN);
            Tensor x = ops.placeholder("x", -1, 2, 14, 14); // 14x14: the 1x1 backward runs as products
            Tensor t = ops.placeholder("targets", -1, 3);
            Tensor scaled = ops.mul(pw.apply(ops, x), ops.param("scale")); // [B, 6, 14, 14] * [1, 6, 1, 1]
            // LayerNorm over the channels of NCHW, with the residual reading its input too
            Tensor h = ops.add(scaled, ops.layerNorm(scaled, ops.param("norm2d.weight"), ops.param("norm2d.bias"),
                    1e-6, 1));
            h = ops.add(h, dw5.apply(ops, h)); // NCHW 5x5 depthwise: its backward runs in Java on 14x14
            Tensor grid = ops.permute(h, 0, 2, 3, 1); // [B, 14, 14, 6]
            grid = ops.add(grid, dw3.applyChannelsLast(ops, grid)); // NHWC 3x3: its backward runs in Java
            grid = ops.add(grid, pwLast.applyChannelsLast(ops, grid)); // one product over the batch, [in, out] weight
            Tensor tokens = ops.reshape(grid, -1, 196, 6);
            Tensor n = norm.apply(ops, tokens);
            Tensor y = ops.add(tokens, ops.gelu(fc.apply(ops, n))); // residual
            Tensor centred = ops.sub(y, ops.mean(y, true, 1)); // [B, 16, 6] - [B, 1, 6]
            Tensor sq = ops.mul(centred, centred); // both operands the same variable
            Tensor pooled = ops.mean(ops.add(ops.mul(sq, 0.25), y), false, 1); // [B, 6]
            return new TrainingStep(ops, ops.softTargetCrossEntropy(head.apply(ops, pooled), t));
        }
    }

    @Test
    void lossAndGradientsEqualSameDiffs() {
        Net net = new Net();
        TrainingStep step = net.step();
        for (int batch : new int[] {3, 2, 3}) {
            Map<String, INDArray> in = Map.of(
                    "x", Dense.random(batch, batch, 2, 14, 14).toNd4j(DataType.FLOAT),
                    "targets", Dense.uniform(batch + 1, 0, 1, batch, 3).toNd4j(DataType.FLOAT));
            System.setProperty(CompiledGraph.EXECUTOR_PROPERTY, "samediff");
            TrainingStep.Result want = step.run(in);
            System.setProperty(CompiledGraph.EXECUTOR_PROPERTY, "strict");
            List<String> labels = new ArrayList<>();
            step.setStepListener((label, nanos) -> labels.add(label));
            TrainingStep.Result got = step.run(in); // the first run of a batch size builds the plan
            TrainingStep.Result again = step.run(in); // later runs replay it
            step.setStepListener(null);
            assertTrue(labels.contains("multiply_bp") && labels.contains("fused_pointwise_conv")
                    && labels.contains("fused_pointwise_conv_bp"),
                    "the plan ran the rewritten backward ops and the fused 1x1 convolution: " + labels);
            for (String fused : List.of("fused_gelu_with_derivative", "fused_gelu_bp_from_derivative",
                    "fused_layer_norm", "fused_layer_norm_bp",
                    "fused_layer_norm_inner", "fused_layer_norm_inner_bp", "fused_depthwise_conv_bp",
                    "matmul_bp_products")) {
                assertTrue(labels.contains(fused), "the plan ran " + fused + ": " + labels);
            }
            assertTrue(!labels.contains("erf") && !labels.contains("fused_erf") && !labels.contains("rsqrt"),
                    "no op of SameDiff's GELU or LayerNorm backward is left: " + labels);
            PlanVersusSameDiff.assertSameLossAndGradients(want, got);
            PlanVersusSameDiff.assertSameLossAndGradients(want, again);
        }
    }

    @Test
    void aGeluWhoseInputIsReadAgainComputesItsDerivativeInTheBackward() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Scope s = Scope.root(store, 17);
        Linear fc = new Linear(s.child("fc"), 5, 5, true, Init.uniform(0.9), Init.uniform(0.3));
        Linear head = new Linear(s.child("head"), 5, 3, true, Init.uniform(0.7), Init.uniform(0.3));
        Ops ops = new Ops(store, Mode.TRAIN);
        Tensor x = ops.placeholder("x", -1, 5);
        Tensor t = ops.placeholder("targets", -1, 3);
        Tensor h = fc.apply(ops, x);
        Tensor y = ops.add(h, ops.gelu(h)); // the residual reads the GELU's input: it must keep its values
        TrainingStep step = new TrainingStep(ops, ops.softTargetCrossEntropy(head.apply(ops, ops.mul(y, y)), t));
        PlanVersusSameDiff runs = PlanVersusSameDiff.run(step, Map.of(
                "x", Dense.uniform(18, -2, 2, 6, 5).toNd4j(DataType.FLOAT),
                "targets", Dense.uniform(19, 0, 1, 6, 3).toNd4j(DataType.FLOAT)));
        assertTrue(runs.labels().contains("fused_gelu") && runs.labels().contains("fused_gelu_bp")
                && !runs.labels().contains("fused_gelu_with_derivative"),
                "the GELU left its input alone and its backward computed the derivative: " + runs.labels());
        runs.assertSameLossAndGradients();
    }

    @Test
    void convolutionsOnTheImageComputeOnlyTheirWeightAndBiasGradients() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Scope s = Scope.root(store, 41);
        // NCHW dilated with bias (its kernel spelled out with zeros), NHWC strided without bias, both on the image
        Conv2d nchw = Conv2d.builder(s.child("nchw"), 3, 4, 3).padding(2).dilation(2)
                .weightInit(Init.uniform(0.6)).biasInit(Init.uniform(0.3)).build();
        Conv2d nhwc = Conv2d.builder(s.child("nhwc"), 3, 4, 3).stride(2).padding(1).bias(false)
                .weightInit(Init.uniform(0.6)).build();
        Linear head = new Linear(s.child("head"), 4, 3, true, Init.uniform(0.7), Init.uniform(0.3));
        Ops ops = new Ops(store, Mode.TRAIN);
        Tensor x = ops.placeholder("x", -1, 3, 9, 11);
        Tensor t = ops.placeholder("targets", -1, 3);
        Tensor a = nchw.apply(ops, x); // [B, 4, 9, 11]
        Tensor b = nhwc.applyChannelsLast(ops, ops.permute(x, 0, 2, 3, 1)); // [B, 5, 6, 4]
        Tensor pooled = ops.add(ops.mean(ops.mul(a, a), false, 2, 3), ops.mean(ops.mul(b, b), false, 1, 2)); // [B, 4]
        TrainingStep step = new TrainingStep(ops, ops.softTargetCrossEntropy(head.apply(ops, pooled), t));
        PlanVersusSameDiff runs = PlanVersusSameDiff.run(step, batch(43, 3, 3, 9, 11));
        assertEquals(2, runs.labels().stream().filter("conv2d_bp_weights"::equals).count(), runs.labels().toString());
        assertTrue(!runs.labels().contains("conv2d_bp"), "no input gradient: " + runs.labels());
        runs.assertSameLossAndGradients();
    }

    @Test
    void aDepthwiseConvolutionOnA28x28GridRunsInJavaWithSameDiffsGradients() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Scope s = Scope.root(store, 13);
        Conv2d dw = Conv2d.builder(s.child("dw"), 4, 4, 3).padding(1).groups(4).weightInit(Init.uniform(0.5)).build();
        Linear head = new Linear(s.child("head"), 4, 3, true, Init.uniform(0.7), Init.uniform(0.3));
        Ops ops = new Ops(store, Mode.TRAIN);
        Tensor x = ops.placeholder("x", -1, 4, 28, 28);
        Tensor t = ops.placeholder("targets", -1, 3);
        Tensor y = dw.apply(ops, x);
        Tensor pooled = ops.mean(ops.mul(y, y), false, 2, 3); // [B, 4]
        TrainingStep step = new TrainingStep(ops, ops.softTargetCrossEntropy(head.apply(ops, pooled), t));
        PlanVersusSameDiff runs = PlanVersusSameDiff.run(step, batch(3, 2, 4, 28, 28));
        assertTrue(runs.labels().contains("fused_depthwise_conv"),
                "the 3x3 forward on 28x28 ran in Java: " + runs.labels());
        runs.assertSameLossAndGradients();
    }

    @Test
    void divisionsOfEveryBroadcastKeepSameDiffsGradients() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Scope s = Scope.root(store, 17);
        Linear fc = new Linear(s.child("fc"), 6, 6, true, Init.uniform(0.7), Init.uniform(0.3));
        Linear head = new Linear(s.child("head"), 6, 3, true, Init.uniform(0.7), Init.uniform(0.3));
        s.parameter("numerator", Init.uniform(0.5), 6);
        Ops ops = new Ops(store, Mode.TRAIN);
        Tensor x = ops.placeholder("x", -1, 5, 6);
        Tensor t = ops.placeholder("targets", -1, 3);
        Tensor h = fc.apply(ops, x); // [B, 5, 6]
        Tensor positive = ops.add(ops.mul(h, h), 0.5);
        Tensor rows = ops.l2Normalize(h, -1, 1e-6); // [B, 5, 6] / [B, 5, 1]: the divisor broadcast
        Tensor same = ops.div(rows, positive); // same shapes
        Tensor spread = ops.div(ops.param("numerator"), positive); // [6] / [B, 5, 6]: the dividend broadcast
        Tensor pooled = ops.mean(ops.add(same, spread), false, 1); // [B, 6]
        TrainingStep step = new TrainingStep(ops, ops.softTargetCrossEntropy(head.apply(ops, pooled), t));
        PlanVersusSameDiff runs = PlanVersusSameDiff.run(step, batch(19, 3, 5, 6));
        assertTrue(runs.labels().contains("divide_bp"), "the plan ran the rewritten divide_bp: " + runs.labels());
        runs.assertSameLossAndGradients();
    }

    @Test
    void attentionOfLargeMatricesRunsPerMatrixWithSameDiffsGradients() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Scope s = Scope.root(store, 23);
        Linear qkv = new Linear(s.child("qkv"), 8, 192, true, Init.uniform(0.4), Init.uniform(0.1));
        Linear head = new Linear(s.child("head"), 64, 3, true, Init.uniform(0.7), Init.uniform(0.3));
        Ops ops = new Ops(store, Mode.TRAIN);
        Tensor x = ops.placeholder("x", -1, 256, 8);
        Tensor t = ops.placeholder("targets", -1, 3);
        List<Tensor> parts = ops.unbind(ops.permute(ops.reshape(qkv.apply(ops, x), -1, 256, 3, 64), 2, 0, 1, 3), 0);
        // [B, 256, 64] x [B, 64, 256] and [B, 256, 256] x [B, 256, 64]: 4 M multiply-adds per matrix each
        Tensor attn = ops.softmax(ops.matmul(ops.mul(parts.get(0), 0.125), parts.get(1), false, true), -1);
        Tensor pooled = ops.mean(ops.matmul(attn, parts.get(2), false, false), false, 1); // [B, 64]
        TrainingStep step = new TrainingStep(ops, ops.softTargetCrossEntropy(head.apply(ops, pooled), t));
        PlanVersusSameDiff runs = PlanVersusSameDiff.run(step, batch(29, 2, 256, 8));
        assertEquals(2, runs.labels().stream().filter("batched_matmul"::equals).count(), "forward: " + runs.labels());
        assertEquals(2, runs.labels().stream().filter("batched_matmul_bp"::equals).count(),
                "backward (the linear layers' 2-D matmul_bp stay libnd4j's): " + runs.labels());
        assertTrue(runs.labels().contains("fused_softmax_bp") && !runs.labels().contains("softmax_bp"),
                "the softmax's backward read its output: " + runs.labels());
        assertTrue(!runs.labels().contains("stack"),
                "the gradients of q, k and v were computed in their places in unbind's backward: " + runs.labels());
        runs.assertSameLossAndGradients();
    }

    @Test
    void aSoftmaxOverAnInnerAxisAndOneReadTwiceHaveSameDiffsGradients() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Scope s = Scope.root(store, 31);
        Linear fc = new Linear(s.child("fc"), 6, 6, true, Init.uniform(0.9), Init.uniform(0.3));
        Linear head = new Linear(s.child("head"), 6, 3, true, Init.uniform(0.7), Init.uniform(0.3));
        Ops ops = new Ops(store, Mode.TRAIN);
        Tensor x = ops.placeholder("x", -1, 5, 6);
        Tensor t = ops.placeholder("targets", -1, 3);
        Tensor h = fc.apply(ops, x);
        Tensor overTokens = ops.softmax(h, 1); // [B, 5, 6] over its 5 tokens: permuted to the last axis and back
        Tensor overChannels = ops.softmax(h, -1);
        Tensor mixed = ops.add(ops.mul(overTokens, h), ops.mul(overChannels, overChannels)); // an output read twice
        TrainingStep step = new TrainingStep(ops, ops.softTargetCrossEntropy(
                head.apply(ops, ops.mean(mixed, false, 1)), t));
        PlanVersusSameDiff runs = PlanVersusSameDiff.run(step, batch(37, 4, 5, 6));
        assertEquals(2, runs.labels().stream().filter("fused_softmax_bp"::equals).count(), runs.labels().toString());
        runs.assertSameLossAndGradients();
    }

    /** Inputs {@code x} of {@code shape} and soft targets over three classes, drawn from {@code seed}. */
    private static Map<String, INDArray> batch(long seed, int... shape) {
        return Map.of(
                "x", Dense.random(seed, shape).toNd4j(DataType.FLOAT),
                "targets", Dense.uniform(seed + 1, 0, 1, shape[0], 3).toNd4j(DataType.FLOAT));
    }

    @Test
    void dropoutMasksAreFreshEveryRunAndRepeatAfterTheSameSeed() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Scope s = Scope.root(store, 5);
        Linear fc = new Linear(s.child("fc"), 16, 3, true, Init.uniform(0.7), Init.uniform(0.3));
        Ops ops = new Ops(store, Mode.TRAIN);
        Tensor x = ops.placeholder("x", -1, 16);
        Tensor t = ops.placeholder("targets", -1, 3);
        TrainingStep step = new TrainingStep(ops, ops.softTargetCrossEntropy(fc.apply(ops, ops.dropout(x, 0.5)), t));
        Map<String, INDArray> in = Map.of(
                "x", Dense.uniform(1, 0.5, 1.5, 4, 16).toNd4j(DataType.FLOAT),
                "targets", Dense.uniform(2, 0, 1, 4, 3).toNd4j(DataType.FLOAT));
        System.setProperty(CompiledGraph.EXECUTOR_PROPERTY, "strict");
        double first = step.run(in).loss();
        double second = step.run(in).loss();
        assertTrue(Math.abs(first - second) > 1e-6, "the same mask twice: " + first + " and " + second);
        step.seedMasks(42);
        TrainingStep.Result a = step.run(in);
        step.run(in);
        step.seedMasks(42);
        TrainingStep.Result b = step.run(in);
        assertEquals(a.loss(), b.loss(), 0.0, "the masks of seed 42 repeat");
        assertEquals(a.gradients().get("fc.weight"), b.gradients().get("fc.weight"));
    }
}
