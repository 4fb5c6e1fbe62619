package dev.tokenmix.core.mixers.stt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenmix.core.engine.CompiledGraph;
import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The window attention marks its logits: {@code q kᵀ / sqrt(d)} per head, from its own qkv projection. */
class SuperTokenWindowAttentionTapTest {

    @Test
    void markedLogitsAreTheScaledQueryKeyProductsOfEveryHead() {
        long c = 8;
        int heads = 2;
        int m = 2;
        int l = 1 + m * m;
        long d = c / heads;
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        SuperTokenWindowAttention attn = new SuperTokenWindowAttention(Scope.root(store, 5).child("attn"), c, heads, m,
                true, 0, 0, Init.truncNormal(0.5));
        Ops ops = new Ops(store, Mode.EVAL);
        Tensor x = ops.placeholder("x", -1, l, c);
        Tensor y = attn.apply(ops, x);
        CompiledGraph g = new CompiledGraph(ops, x, Map.of("y", y));
        Nd4j.getRandom().setSeed(11);
        INDArray in = Nd4j.randn(DataType.DOUBLE, 3, l, c);

        Map<String, INDArray> taps = g.runTaps(in, SuperTokenWindowAttention.LOGITS_TAP);
        assertEquals(List.of("attn"), List.copyOf(taps.keySet()));
        INDArray got = taps.get("attn");
        assertArrayEquals(new long[] {3, heads, l, l}, got.shape());
        INDArray weight = store.array("attn.qkv.weight"); // [3C, C]
        INDArray bias = store.array("attn.qkv.bias");
        for (int r = 0; r < 3; r++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < l; i++) {
                    for (int j = 0; j < l; j++) {
                        double dot = 0;
                        for (long e = 0; e < d; e++) {
                            dot += projected(in, weight, bias, r, i, h * d + e) * projected(in, weight, bias, r, j,
                                    c + h * d + e);
                        }
                        assertEquals(dot / Math.sqrt(d), got.getDouble(r, h, i, j), 1e-9,
                                "window " + r + ", head " + h + ", query " + i + ", key " + j);
                    }
                }
            }
        }
    }

    /** Output {@code o} of the qkv projection for token {@code t} of window {@code r}. */
    private static double projected(INDArray x, INDArray weight, INDArray bias, int r, int t, long o) {
        double s = bias.getDouble(o);
        for (long k = 0; k < x.size(2); k++) {
            s += weight.getDouble(o, k) * x.getDouble(r, t, k);
        }
        return s;
    }
}
