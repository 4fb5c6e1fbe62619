package dev.tokenmix.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenmix.core.nn.Attention;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.Mlp;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** Multiply-adds at batch 1, against hand counts. */
class MacsTest {

    static Ops build(long[] inputShape, BiFunction<Scope, Ops, Tensor> body) {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Ops ops = new Ops(store, Mode.EVAL);
        body.apply(Scope.root(store, 1), ops);
        return ops;
    }

    @Test
    void linearCountsRowsTimesInTimesOut() {
        assertEquals(4 * 5, build(null, (s, ops) -> new Linear(s.child("fc"), 4, 5, true)
                .apply(ops, ops.placeholder("x", -1, 4))).totalMacs());
        assertEquals(3 * 4 * 5, build(null, (s, ops) -> new Linear(s.child("fc"), 4, 5, true)
                .apply(ops, ops.placeholder("x", -1, 3, 4))).totalMacs());
        Ops ops = build(null, (s, o) -> new Linear(s.child("fc"), 4, 5, false).apply(o, o.placeholder("x", -1, 2, 3, 4)));
        assertEquals(2 * 3 * 4 * 5, ops.totalMacs());
        assertEquals(Map.of("fc", 120L), ops.macsByModule());
    }

    @Test
    void convolutionCountsOutputCellsTimesKernelTimesInputsPerGroup() {
        // 5x5, k3, stride 2, pad 1: 3x3 outputs, each 3 channels x 2 inputs x 9 taps
        assertEquals(3 * 3 * 3 * 2 * 9, build(null, (s, ops) -> Conv2d.builder(s.child("c"), 2, 3, 3).stride(2).padding(1)
                .build().apply(ops, ops.placeholder("x", -1, 2, 5, 5))).totalMacs());
        // groups 2: each of 6 outputs reads 2 of 4 inputs
        assertEquals(4 * 4 * 6 * 2 * 9, build(null, (s, ops) -> Conv2d.builder(s.child("c"), 4, 6, 3).padding(1).groups(2)
                .build().apply(ops, ops.placeholder("x", -1, 4, 4, 4))).totalMacs());
        // depthwise with multiplier 2: each of 6 outputs reads 1 input
        assertEquals(4 * 4 * 6 * 9, build(null, (s, ops) -> Conv2d.builder(s.child("c"), 3, 6, 3).padding(1).groups(3)
                .build().apply(ops, ops.placeholder("x", -1, 3, 4, 4))).totalMacs());
        // 16x16 patch embedding of a 32x32 image: 4 patches x 8 outputs x 3*256 inputs
        assertEquals(4 * 8 * 3 * 256, build(null, (s, ops) -> Conv2d.builder(s.child("c"), 3, 8, 16).stride(16)
                .build().apply(ops, ops.placeholder("x", -1, 3, 32, 32))).totalMacs());
    }

    @Test
    void matmulCountsEveryBatchedProduct() {
        assertEquals(2 * 3 * 4 * 5, build(null, (s, ops) -> ops.matmul(ops.placeholder("a", -1, 2, 3, 4),
                ops.placeholder("b", -1, 2, 4, 5), false, false)).totalMacs());
        assertEquals(2 * 3 * 4 * 5, build(null, (s, ops) -> ops.matmul(ops.placeholder("a", -1, 2, 4, 3),
                ops.placeholder("b", -1, 2, 5, 4), true, true)).totalMacs());
    }

    @Test
    void attentionAndMlpMacsPerModule() {
        Ops ops = build(null, (s, o) -> {
            Tensor x = o.placeholder("x", -1, 5, 8);
            Tensor h = new Attention(s.child("attn"), 8, 2, true, 0, 0, Init.truncNormal(0.02)).apply(o, x);
            return new Mlp(s.child("mlp"), 8, 32).apply(o, h);
        });
        assertEquals(Map.of("attn.qkv", 5L * 8 * 24, "attn", 2L * (2 * 5 * 5 * 4), "attn.proj", 5L * 8 * 8,
                "mlp.fc1", 5L * 8 * 32, "mlp.fc2", 5L * 32 * 8), ops.macsByModule());
        assertEquals(960 + 400 + 320 + 1280 + 1280, ops.totalMacs());
    }

    @Test
    void poolingNormalisationAndElementwiseOpsCountNothing() {
        assertEquals(0, build(null, (s, ops) -> {
            Tensor x = ops.placeholder("x", -1, 3, 4, 4);
            x = ops.avgPool2d(ops.gelu(x), new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, true);
            return ops.layerNorm(ops.softmax(x, 1), null, null, 1e-6, 1);
        }).totalMacs());
    }
}
