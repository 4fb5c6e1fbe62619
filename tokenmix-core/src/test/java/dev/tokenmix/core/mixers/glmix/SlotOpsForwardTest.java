package dev.tokenmix.core.mixers.glmix;

import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.TokenGrid;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.testing.Dense;
import dev.tokenmix.core.testing.Graphs;
import dev.tokenmix.core.testing.Reference;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Soft clustering and dispatching against a direct computation in Java loops (doubles): pooled slots with
 * overlapping windows (5 to 2) and learned slots, cosine similarity times the scale, softmax over pixels to
 * cluster, softmax over slots to dispatch, back to the grid.
 */
class SlotOpsForwardTest {
    private static final int B = 2;
    private static final int C = 3;
    private static final int H = 5;
    private static final double SCALE = 1.7;

    /** The direct computation of {@code dispatch(A, cluster(A, T))} as an NCHW map, from slots {@code s[b][n][c]}. */
    private static Dense expected(Dense x, double[][][] s) {
        int l = H * H;
        int n = s[0].length;
        Dense out = new Dense(B, C, H, H);
        for (int b = 0; b < B; b++) {
            double[][] t = new double[l][C];
            double[][] tn = new double[l][C];
            for (int p = 0; p < l; p++) {
                double norm = 0;
                for (int c = 0; c < C; c++) {
                    t[p][c] = x.get(b, c, p / H, p % H);
                    norm += t[p][c] * t[p][c];
                }
                for (int c = 0; c < C; c++) {
                    tn[p][c] = t[p][c] / Math.max(Math.sqrt(norm), 1e-12);
                }
            }
            double[][] a = new double[n][l];
            for (int k = 0; k < n; k++) {
                double norm = 0;
                for (int c = 0; c < C; c++) {
                    norm += s[b][k][c] * s[b][k][c];
                }
                norm = Math.max(Math.sqrt(norm), 1e-12);
                for (int p = 0; p < l; p++) {
                    double d = 0;
                    for (int c = 0; c < C; c++) {
                        d += s[b][k][c] / norm * tn[p][c];
                    }
                    a[k][p] = SCALE * d;
                }
            }
            double[][] slots = new double[n][C]; // softmax over pixels, then weighted sum of the raw tokens
            for (int k = 0; k < n; k++) {
                double z = 0;
                for (int p = 0; p < l; p++) {
                    z += Math.exp(a[k][p]);
                }
                for (int p = 0; p < l; p++) {
                    for (int c = 0; c < C; c++) {
                        slots[k][c] += Math.exp(a[k][p]) / z * t[p][c];
                    }
                }
            }
            for (int p = 0; p < l; p++) { // softmax over slots
                double z = 0;
                for (int k = 0; k < n; k++) {
                    z += Math.exp(a[k][p]);
                }
                for (int c = 0; c < C; c++) {
                    double v = 0;
                    for (int k = 0; k < n; k++) {
                        v += Math.exp(a[k][p]) / z * slots[k][c];
                    }
                    out.v[out.index(b, c, p / H, p % H)] = v;
                }
            }
        }
        return out;
    }

    @Test
    void pooledSlotsWithOverlappingWindows() {
        Dense x = Dense.random(11, B, C, H, H);
        Dense pooled = Reference.adaptiveAvgPool2d(x, 2, 2); // [B, C, 2, 2]
        double[][][] s = new double[B][4][C];
        for (int b = 0; b < B; b++) {
            for (int k = 0; k < 4; k++) {
                for (int c = 0; c < C; c++) {
                    s[b][k][c] = pooled.get(b, c, k / 2, k % 2);
                }
            }
        }
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        Scope sc = Scope.root(store, 1);
        SoftClustering clustering = new SoftClustering(sc, C, 2, 2, false);
        store.array(sc.key("slot_scale")).assign(Nd4j.scalar(DataType.DOUBLE, SCALE));
        Graphs.assertClose(expected(x, s), Graphs.run(store, Mode.EVAL, x.toNd4j(), (ops, in) -> {
            Tensor t = TokenGrid.toTokens(ops, in);
            Tensor a = clustering.logits(ops, in, t);
            return TokenGrid.toGrid(ops, SlotOps.dispatch(ops, a, SlotOps.cluster(ops, a, t)), H, H);
        }), 1e-10);
    }

    @Test
    void learnedSlotsSharedByTheBatch() {
        Dense x = Dense.random(12, B, C, H, H);
        Dense init = Dense.random(13, 1, 3, C);
        double[][][] s = new double[B][3][C];
        for (int b = 0; b < B; b++) {
            for (int k = 0; k < 3; k++) {
                for (int c = 0; c < C; c++) {
                    s[b][k][c] = init.get(0, k, c);
                }
            }
        }
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        Scope sc = Scope.root(store, 1);
        SoftClustering clustering = new SoftClustering(sc, C, 1, 3, true);
        store.array(sc.key("slot_scale")).assign(Nd4j.scalar(DataType.DOUBLE, SCALE));
        store.array(sc.key("init_slots")).assign(init.toNd4j());
        Graphs.assertClose(expected(x, s), Graphs.run(store, Mode.EVAL, x.toNd4j(), (ops, in) -> {
            Tensor t = TokenGrid.toTokens(ops, in);
            Tensor a = clustering.logits(ops, in, t);
            return TokenGrid.toGrid(ops, SlotOps.dispatch(ops, a, SlotOps.cluster(ops, a, t)), H, H);
        }), 1e-10);
    }
}
