package dev.tokenmix.core.mixers.stt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
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

/** The window layout against direct indexing, and what the global mixing may and may not touch. */
class SttForwardTest {

    @Test
    void windowsHoldTheSuperTokenThenTheirPatchesRowMajor() {
        ParameterStore st = new ParameterStore(DataType.DOUBLE);
        String key = Scope.root(st, 1).parameter("super_tokens", Init.truncNormal(1.0), 1, 6, 3);
        int h = 4;
        int w = 6;
        int m = 2;
        Dense x = Dense.random(5, 2, h * w, 3);
        Ops ops = new Ops(st, Mode.EVAL);
        Tensor in = ops.placeholder("x", -1, (long) h * w, 3);
        Tensor win = WindowLayout.toWindows(ops, in, h, w, m, ops.param(key));
        Tensor back = WindowLayout.patchTokens(ops, win, h, w, m);
        Tensor sup = WindowLayout.superTokens(ops, win, 6);
        Map<String, INDArray> r = ops.sameDiff().output(Map.of("x", x.toNd4j()), win.var().name(), back.var().name(),
                sup.var().name());
        Dense got = Dense.of(r.get(win.var().name()));
        assertArrayEquals(new int[] {12, 5, 3}, got.shape);
        Dense learned = Dense.of(st.array(key));
        for (int b = 0; b < 2; b++) {
            for (int wi = 0; wi < 6; wi++) {
                int row0 = (wi / 3) * m;
                int col0 = (wi % 3) * m;
                for (int c = 0; c < 3; c++) {
                    assertEquals(learned.get(0, wi, c), got.get(b * 6 + wi, 0, c), 1e-12, "super token " + wi);
                    for (int p = 0; p < m * m; p++) {
                        int token = (row0 + p / m) * w + col0 + p % m;
                        assertEquals(x.get(b, token, c), got.get(b * 6 + wi, 1 + p, c), 1e-12,
                                "window " + wi + " patch " + p);
                    }
                }
            }
        }
        assertTrue(r.get(back.var().name()).equalsWithEps(x.toNd4j(), 0), "patchTokens inverts toWindows");
        assertTrue(r.get(sup.var().name()).slice(1).equalsWithEps(st.array(key).slice(0), 0));
    }

    @Test
    void globalMixingChangesOnlyTheSuperTokensAndMixesAcrossWindows() {
        ParameterStore st = new ParameterStore(DataType.DOUBLE);
        Scope sc = Scope.root(st, 2);
        String key = sc.parameter("super_tokens", Init.truncNormal(1.0), 1, 4, 4);
        SuperTokenGlobalMixing gm = new SuperTokenGlobalMixing(sc.child("g"), 4, 2, 2, 2, GlobalMixKind.ATTENTION, 3,
                true, 1e-6, 0, 0);
        st.entries().forEach(p -> p.array().assign(Dense.random(p.key().hashCode(), (int) p.array().length())
                .toNd4j().reshape(p.array().shape())));
        INDArray x = Dense.random(9, 1, 16, 4).toNd4j(); // one image, 4x4 grid of 2x2 windows
        INDArray before = Graphs.run(st, Mode.EVAL, x, (ops, t) -> mixed(ops, t, gm, key));
        INDArray learned = st.array(key);
        for (int c = 0; c < 4; c++) { // window 3's super token
            learned.putScalar(new long[] {0, 3, c}, learned.getDouble(0, 3, c) + c * c); // not a constant shift, which LayerNorm removes
        }
        INDArray after = Graphs.run(st, Mode.EVAL, x, (ops, t) -> mixed(ops, t, gm, key));
        INDArray patches = before.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 16), NDArrayIndex.all());
        assertTrue(patches.equalsWithEps(x, 0), "patch tokens untouched");
        double moved = after.slice(0).getRow(16).sub(before.slice(0).getRow(16)).norm2Number().doubleValue();
        assertTrue(moved > 1e-6, "window 0's super token sees window 3's");
        assertEquals(4, gm.windowCount());
        assertThrows(IllegalArgumentException.class, () -> WindowLayout.windowCount(7, 7, 2));
    }

    /** Patch tokens, then super tokens: {@code [B, 16 + 4, C]}. */
    private static Tensor mixed(Ops ops, Tensor t, SuperTokenGlobalMixing gm, String key) {
        Tensor w = gm.apply(ops, WindowLayout.toWindows(ops, t, 4, 4, 2, ops.param(key)));
        return ops.concat(1, WindowLayout.patchTokens(ops, w, 4, 4, 2), WindowLayout.superTokens(ops, w, 4));
    }
}
