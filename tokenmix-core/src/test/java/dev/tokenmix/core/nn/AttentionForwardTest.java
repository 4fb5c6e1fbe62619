package dev.tokenmix.core.nn;

import static dev.tokenmix.core.testing.Graphs.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenmix.core.engine.CompiledGraph;
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
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The attention layers against Java computations of PyTorch's {@code nn.MultiheadAttention} and timm's Attention. */
class AttentionForwardTest {

    static void fill(ParameterStore store, String key, long seed, double scale) {
        Dense d = Dense.uniform(seed, -scale, scale, Dense.of(store.array(key)).shape);
        store.array(key).assign(d.toNd4j());
    }

    @Test
    void multiheadAttentionSelfAttentionMatchesPackedInProjReference() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        MultiheadAttention mha = new MultiheadAttention(Scope.root(store, 1).child("attn"), 6, 3, 0.0);
        assertEquals(List.of("attn.in_proj_weight", "attn.in_proj_bias", "attn.out_proj.weight", "attn.out_proj.bias"),
                store.entries().stream().map(p -> p.key()).toList());
        assertArrayEquals(new long[] {18, 6}, store.get("attn.in_proj_weight").torchShape());
        fill(store, "attn.in_proj_weight", 1, 0.8);
        fill(store, "attn.in_proj_bias", 2, 0.5);
        fill(store, "attn.out_proj.weight", 3, 0.8);
        fill(store, "attn.out_proj.bias", 4, 0.5);
        Dense x = Dense.random(5, 2, 4, 6);
        INDArray y = Graphs.run(store, Mode.EVAL, x.toNd4j(), mha::apply);
        Dense expected = Reference.multiheadAttention(x, x, x, Dense.of(store.array("attn.in_proj_weight")),
                Dense.of(store.array("attn.in_proj_bias")).v, Dense.of(store.array("attn.out_proj.weight")),
                Dense.of(store.array("attn.out_proj.bias")).v, 3);
        assertClose(expected, y, 1e-12);
    }

    @Test
    void multiheadAttentionCrossAttentionWithDifferentLengths() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        Scope root = Scope.root(store, 1);
        MultiheadAttention mha = new MultiheadAttention(root.child("attn"), 4, 2, 0.0);
        fill(store, "attn.in_proj_weight", 11, 0.9);
        fill(store, "attn.in_proj_bias", 12, 0.5);
        fill(store, "attn.out_proj.bias", 13, 0.5);
        Dense q = Dense.random(14, 2, 3, 4);
        Dense mem = Dense.random(15, 2, 5, 4);
        Dense val = Dense.random(16, 2, 5, 4);
        Ops ops = new Ops(store, Mode.EVAL);
        Tensor tq = ops.placeholder("q", -1, 3, 4);
        Tensor tk = ops.placeholder("k", -1, 5, 4);
        Tensor tv = ops.placeholder("v", -1, 5, 4);
        Tensor out = mha.apply(ops, tq, tk, tv);
        assertArrayEquals(new long[] {-1, 3, 4}, out.shape());
        INDArray y = ops.sameDiff().output(Map.of("q", q.toNd4j(), "k", mem.toNd4j(), "v", val.toNd4j()),
                out.var().name()).get(out.var().name());
        Dense expected = Reference.multiheadAttention(q, mem, val, Dense.of(store.array("attn.in_proj_weight")),
                Dense.of(store.array("attn.in_proj_bias")).v, Dense.of(store.array("attn.out_proj.weight")),
                Dense.of(store.array("attn.out_proj.bias")).v, 2);
        assertClose(expected, y, 1e-12);
    }

    @Test
    void timmAttentionMatchesReference() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        Attention attn = new Attention(Scope.root(store, 1).child("blocks.0.attn"), 6, 2, true, 0, 0, Init.truncNormal(0.02));
        assertEquals(List.of("blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias", "blocks.0.attn.proj.weight",
                "blocks.0.attn.proj.bias"), store.entries().stream().map(p -> p.key()).toList());
        fill(store, "blocks.0.attn.qkv.weight", 21, 0.8);
        fill(store, "blocks.0.attn.qkv.bias", 22, 0.5);
        fill(store, "blocks.0.attn.proj.weight", 23, 0.8);
        fill(store, "blocks.0.attn.proj.bias", 24, 0.5);
        Dense x = Dense.random(25, 2, 5, 6);
        INDArray y = Graphs.run(store, Mode.EVAL, x.toNd4j(), attn::apply);
        Dense expected = Reference.timmAttention(x, Dense.of(store.array("blocks.0.attn.qkv.weight")),
                Dense.of(store.array("blocks.0.attn.qkv.bias")).v, Dense.of(store.array("blocks.0.attn.proj.weight")),
                Dense.of(store.array("blocks.0.attn.proj.bias")).v, 2);
        assertClose(expected, y, 1e-12);
    }

    @Test
    void timmAttentionWithoutQkvBiasInFloat() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Attention attn = new Attention(Scope.root(store, 1).child("attn"), 8, 4, false, 0, 0, Init.uniform(0.7));
        assertEquals(false, store.contains("attn.qkv.bias"));
        fill(store, "attn.proj.bias", 31, 0.5);
        Dense x = Dense.random(32, 3, 4, 8);
        CompiledGraph g = Graphs.compile(store, Mode.EVAL, x.longShape(), attn::apply);
        INDArray y = g.run(x.toNd4j(DataType.FLOAT), "y");
        Dense expected = Reference.timmAttention(x, Dense.of(store.array("attn.qkv.weight")), null,
                Dense.of(store.array("attn.proj.weight")), Dense.of(store.array("attn.proj.bias")).v, 4);
        assertClose(expected, y, 2e-6);
    }

    @Test
    void attentionBiasIsAddedBeforeTheSoftmax() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        Dense x = Dense.random(41, 1, 1, 3, 2); // q = k = v, one head
        Dense bias = Dense.random(42, 1, 1, 3, 3);
        INDArray y = Graphs.run(store, Mode.EVAL, x.toNd4j(), (ops, t) -> AttentionMath.scaledDotProduct(ops, t, t, t,
                0.5, ops.wrap(ops.sameDiff().constant(bias.toNd4j()), 1, 1, 3, 3), 0.0));
        Dense expected = new Dense(1, 1, 3, 2);
        for (int i = 0; i < 3; i++) {
            double[] s = new double[3];
            double z = 0;
            for (int j = 0; j < 3; j++) {
                s[j] = Math.exp(0.5 * (x.get(0, 0, i, 0) * x.get(0, 0, j, 0) + x.get(0, 0, i, 1) * x.get(0, 0, j, 1))
                        + bias.get(0, 0, i, j));
                z += s[j];
            }
            for (int f = 0; f < 2; f++) {
                double acc = 0;
                for (int j = 0; j < 3; j++) {
                    acc += s[j] / z * x.get(0, 0, j, f);
                }
                expected.set(acc, 0, 0, i, f);
            }
        }
        assertClose(expected, y, 1e-12);
    }
}
