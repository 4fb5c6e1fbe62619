package dev.tokenmix.core.mixers.psvit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.ShapeMismatchException;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.testing.Dense;
import dev.tokenmix.core.testing.Graphs;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Values, shapes, parameters and multiply-adds of PSViT's primitives against direct computations. */
class PsvitForwardTest {

    @Test
    void averagePoolingAveragesEachWindowAndKeepsTheClassToken() {
        ParameterStore st = new ParameterStore(DataType.DOUBLE);
        TokenPooling p = new TokenPooling(Scope.root(st, 1), 2, PoolingKind.AVG, 2, 2, true);
        int h = 4;
        int w = 6;
        Dense x = Dense.random(3, 2, 1 + h * w, 2);
        INDArray y = Graphs.run(st, Mode.EVAL, x.toNd4j(), (ops, t) -> p.apply(ops, t, h, w).tokens());
        Dense expected = new Dense(2, 1 + 6, 2);
        for (int b = 0; b < 2; b++) {
            for (int c = 0; c < 2; c++) {
                expected.set(x.get(b, 0, c), b, 0, c);
                for (int i = 0; i < 2; i++) {
                    for (int j = 0; j < 3; j++) {
                        double s = 0;
                        for (int di = 0; di < 2; di++) {
                            for (int dj = 0; dj < 2; dj++) {
                                s += x.get(b, 1 + (2 * i + di) * w + 2 * j + dj, c);
                            }
                        }
                        expected.set(s / 4, b, 1 + i * 3 + j, c);
                    }
                }
            }
        }
        Graphs.assertClose(expected, y, 1e-12);
    }

    @Test
    void outputSidesFollowTheFloorFormula() {
        assertEquals(14, TokenPooling.outputSide(28, 2, 2));
        assertEquals(7, TokenPooling.outputSide(14, 3, 2));
        assertEquals(4, TokenPooling.outputSide(7, 3, 2));
        assertEquals(3, TokenPooling.outputSide(7, 2, 2));
        assertThrows(IllegalArgumentException.class,
                () -> new TokenPooling(Scope.root(new ParameterStore(DataType.FLOAT), 1), 4, PoolingKind.MAX, 1, 2, false));
    }

    @Test
    void aReusingLayerWithTheSameValueAndOutputWeightsReproducesTheComputingLayer() {
        ParameterStore st = new ParameterStore(DataType.DOUBLE);
        Scope sc = Scope.root(st, 5);
        long c = 6;
        ShareableAttention own = new ShareableAttention(sc.child("a"), c, 3, false, true, 0, 0, Init.truncNormal(0.5));
        ShareableAttention reuse = new ShareableAttention(sc.child("b"), c, 3, true, true, 0, 0, Init.truncNormal(0.5));
        // b's value projection is a's third of qkv, its output projection a's
        st.array("b.v.weight").assign(st.array("a.qkv.weight").get(NDArrayIndex.interval(2 * c, 3 * c), NDArrayIndex.all()));
        st.array("b.v.bias").assign(st.array("a.qkv.bias").get(NDArrayIndex.interval(2 * c, 3 * c)));
        st.array("b.proj.weight").assign(st.array("a.proj.weight"));
        st.array("b.proj.bias").assign(st.array("a.proj.bias"));
        INDArray x = Dense.random(8, 2, 5, (int) c).toNd4j();
        Ops ops = new Ops(st, Mode.EVAL);
        Tensor in = ops.placeholder("x", -1, 5, c);
        ShareableAttention.Output first = own.apply(ops, in, null);
        Tensor second = reuse.apply(ops, in, first.attention()).out();
        Map<String, INDArray> r = ops.sameDiff().output(Map.of("x", x), first.out().var().name(), second.var().name(),
                first.attention().var().name());
        assertTrue(r.get(first.out().var().name()).equalsWithEps(r.get(second.var().name()), 1e-12));
        INDArray map = r.get(first.attention().var().name());
        assertArrayEquals(new long[] {2, 3, 5, 5}, map.shape());
        assertTrue(map.sum(3).sub(1.0).amaxNumber().doubleValue() < 1e-12, "rows of the map sum to one");
    }

    @Test
    void aReusingLayerHasNoQueryOrKeyAndCountsNoScores() {
        long c = 8;
        long n = 10;
        long heads = 2;
        ParameterStore st = new ParameterStore(DataType.FLOAT);
        Scope sc = Scope.root(st, 1);
        ShareableAttention own = new ShareableAttention(sc.child("own"), c, heads, false, true, 0, 0, Init.zeros());
        ShareableAttention reuse = new ShareableAttention(sc.child("reuse"), c, heads, true, true, 0, 0, Init.zeros());
        assertEquals(4 * c * c + 4 * c, st.parameterCount("own"));
        assertEquals(2 * c * c + 2 * c, st.parameterCount("reuse"), "only the value and output projections");
        assertFalse(st.contains("reuse.qkv.weight") || st.contains("reuse.q.weight") || st.contains("reuse.k.weight"));
        Ops ops = new Ops(st, Mode.EVAL);
        Tensor in = ops.placeholder("x", -1, n, c);
        ShareableAttention.Output a = own.apply(ops, in, null);
        reuse.apply(ops, a.out(), a.attention());
        Map<String, Long> macs = ops.macsByModule();
        // own: qkv 3NC², q kᵀ N²C, A v N²C, proj NC²; reuse: v NC², A v N²C, proj NC²
        assertEquals(3 * n * c * c + 2 * n * n * c + n * c * c, sum(macs, "own"));
        assertEquals(2 * n * c * c + n * n * c, sum(macs, "reuse"));
        assertThrows(ShapeMismatchException.class, () -> {
            Ops o2 = new Ops(st, Mode.EVAL);
            reuse.apply(o2, o2.placeholder("x", -1, n, c), null);
        });
    }

    private static long sum(Map<String, Long> macs, String prefix) {
        return macs.entrySet().stream().filter(e -> e.getKey().equals(prefix) || e.getKey().startsWith(prefix + "."))
                .mapToLong(Map.Entry::getValue).sum();
    }
}
