package dev.tokenmix.core.mixers.swin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.ShapeMismatchException;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.swat.StructureAwareAttention;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Param;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.testing.Dense;
import dev.tokenmix.core.testing.Graphs;
import dev.tokenmix.core.testing.Reference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Swin primitives against hand-written values and direct computations written as loops: the relative position
 * index, the shift mask, shifted-window attention (each pixel attends exactly to its clipped shifted window), patch
 * merging's 2x2 order, and SWAT's structure-aware window attention and patch merging.
 */
class SwinForwardTest {
    private static final double M = ShiftedWindows.MASKED;

    /** Every entry of the store drawn uniformly from [-1, 1), so affine and bias parameters are non-trivial. */
    private static void randomize(ParameterStore st, long seed) {
        long s = seed;
        for (Param p : st.parameters()) {
            Dense d = Dense.random(s++, Math.toIntExact(p.array().length()));
            p.array().assign(d.toNd4j().reshape(p.array().shape()));
        }
    }

    /** The entry {@code key} in PyTorch layout. */
    private static Dense torch(ParameterStore st, String key) {
        Param p = st.get(key);
        return Dense.of(p.layout().toTorch(p.array(), p.torchShape()));
    }

    private static double[] vec(ParameterStore st, String key) {
        return torch(st, key).v;
    }

    @Test
    void relativePositionIndexOfATwoByTwoWindow() {
        // offsets (dy, dx) in [-1, 1]^2 map to (dy + 1) * 3 + (dx + 1); positions (0,0), (0,1), (1,0), (1,1)
        assertArrayEquals(new int[] {4, 3, 1, 0, 5, 4, 2, 1, 7, 6, 4, 3, 8, 7, 5, 4}, RelativePositionBias.index(2, 2));
        int[] i23 = RelativePositionBias.index(2, 3);
        assertEquals(36, i23.length);
        assertEquals(7, i23[0], "i = j: offset (0, 0), the centre of the 3x5 offset table");
        assertEquals(14, i23[5 * 6], "i = (1, 2), j = (0, 0): offset (+1, +2), the last row");
        assertEquals(0, i23[5], "i = (0, 0), j = (1, 2): offset (-1, -2), the first row");
    }

    @Test
    void biasLooksUpTheTableThroughTheStoredIndex() {
        ParameterStore st = new ParameterStore(DataType.DOUBLE);
        RelativePositionBias rpb = new RelativePositionBias(Scope.root(st, 1), 2, 2, 2);
        INDArray table = st.array("relative_position_bias_table"); // [9, 2]
        for (int r = 0; r < 9; r++) {
            table.putScalar(new long[] {r, 0}, 10 * r);
            table.putScalar(new long[] {r, 1}, 10 * r + 1);
        }
        assertEquals(DataType.DOUBLE, st.array("relative_position_index").dataType());
        assertEquals(false, st.get("relative_position_index").trainable());
        INDArray y = Graphs.run(st, Mode.EVAL, Dense.random(1, 1, 1, 1, 1).toNd4j(),
                (ops, x) -> ops.add(ops.mul(x, 0.0), rpb.bias(ops))); // [1, heads, N, N]
        Dense b = Dense.of(y.reshape(2, 4, 4));
        int[] idx = {4, 3, 1, 0, 5, 4, 2, 1, 7, 6, 4, 3, 8, 7, 5, 4};
        for (int h = 0; h < 2; h++) {
            for (int i = 0; i < 16; i++) {
                assertEquals(10 * idx[i] + h, b.get(h, i / 4, i % 4), 1e-12, "head " + h + " pair " + i);
            }
        }
    }

    @Test
    void shiftMaskOfAFourByFourMapWithTwoByTwoWindowsShiftedByOne() {
        double[][][] expected = {
            {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}},
            // window (0, 1) holds rolled columns 2, 3 = original columns 3 and 0: regions 1 and 2 alternate
            {{0, M, 0, M}, {M, 0, M, 0}, {0, M, 0, M}, {M, 0, M, 0}},
            {{0, 0, M, M}, {0, 0, M, M}, {M, M, 0, 0}, {M, M, 0, 0}},
            {{0, M, M, M}, {M, 0, M, M}, {M, M, 0, M}, {M, M, M, 0}}};
        INDArray m = ShiftedWindows.attentionMask(4, 4, 2, 1);
        assertArrayEquals(new long[] {4, 4, 4}, m.shape());
        for (int w = 0; w < 4; w++) {
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    assertEquals(expected[w][i][j], m.getDouble(w, i, j), "window " + w + " (" + i + ", " + j + ")");
                }
            }
        }
        ParameterStore st = new ParameterStore(DataType.FLOAT);
        String key = ShiftedWindows.registerMask(Scope.root(st, 1).child("blocks").child(1), 4, 4, 2, 1);
        assertEquals("blocks.1.attn_mask", key);
        assertEquals(0, st.parameterCount(), "the mask is a buffer");
        assertEquals(M, st.array(key).getDouble(3, 0, 1));
    }

    @Test
    void windowsThatDoNotTileTheMapAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ShiftedWindows.attentionMask(6, 6, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> ShiftedWindows.attentionMask(4, 4, 2, 2));
        ParameterStore st = new ParameterStore(DataType.FLOAT);
        WindowAttention a = new WindowAttention(Scope.root(st, 1), 4, 2, 2, true, 0, 0, Init.truncNormal(0.02));
        assertThrows(ShapeMismatchException.class, () -> Graphs.run(st, Mode.EVAL, Dense.random(1, 2, 9, 4).toNd4j(),
                (ops, x) -> a.apply(ops, x, null)));
    }

    /**
     * Shifted-window attention of a {@code [2, 4, 6, 4]} map, 2x2 windows, against a direct computation: each pixel
     * attends exactly to the pixels of its window in the partition offset by the shift and clipped at the border
     * (what roll + mask implement), with the relative position bias of their offsets.
     */
    @ParameterizedTest(name = "shift {0}")
    @CsvSource({"0", "1"})
    void shiftedWindowAttentionAttendsWithinTheClippedShiftedWindow(int shift) {
        int b = 2, h = 4, w = 6, c = 4, heads = 2, ws = 2;
        ParameterStore st = new ParameterStore(DataType.DOUBLE);
        Scope sc = Scope.root(st, 3);
        String maskKey = shift > 0 ? ShiftedWindows.registerMask(sc, h, w, ws, shift) : null;
        WindowAttention attn = new WindowAttention(sc.child("attn"), c, ws, heads, true, 0, 0, Init.truncNormal(0.02));
        randomize(st, 20);
        Dense x = Dense.random(5, b, h, w, c);
        INDArray y = Graphs.run(st, Mode.EVAL, x.toNd4j(), (ops, t) -> {
            Tensor win = ShiftedWindows.partition(ops, t, ws, shift);
            Tensor o = attn.apply(ops, win, maskKey == null ? null : ops.param(maskKey));
            return ShiftedWindows.merge(ops, o, ws, shift, h, w);
        });
        Dense qkv = Reference.linear(x, torch(st, "attn.qkv.weight"), vec(st, "attn.qkv.bias"));
        Dense table = torch(st, "attn.relative_position_bias_table");
        int d = c / heads;
        Dense o = new Dense(b, h, w, c);
        for (int n = 0; n < b; n++) {
            for (int py = 0; py < h; py++) {
                for (int px = 0; px < w; px++) {
                    for (int hd = 0; hd < heads; hd++) {
                        List<int[]> keys = new ArrayList<>();
                        List<Double> logits = new ArrayList<>();
                        for (int qy = 0; qy < h; qy++) {
                            for (int qx = 0; qx < w; qx++) {
                                if (Math.floorDiv(qy - shift, ws) != Math.floorDiv(py - shift, ws)
                                        || Math.floorDiv(qx - shift, ws) != Math.floorDiv(px - shift, ws)) {
                                    continue;
                                }
                                double s = 0;
                                for (int j = 0; j < d; j++) {
                                    s += qkv.get(n, py, px, hd * d + j) * qkv.get(n, qy, qx, c + hd * d + j);
                                }
                                int row = (py - qy + ws - 1) * (2 * ws - 1) + (px - qx + ws - 1);
                                logits.add(s / Math.sqrt(d) + table.get(row, hd));
                                keys.add(new int[] {qy, qx});
                            }
                        }
                        double max = logits.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
                        double z = 0;
                        for (double l : logits) {
                            z += Math.exp(l - max);
                        }
                        for (int j = 0; j < d; j++) {
                            double acc = 0;
                            for (int k = 0; k < keys.size(); k++) {
                                int[] q = keys.get(k);
                                acc += Math.exp(logits.get(k) - max) / z * qkv.get(n, q[0], q[1], 2 * c + hd * d + j);
                            }
                            o.set(acc, n, py, px, hd * d + j);
                        }
                    }
                }
            }
        }
        Dense expected = Reference.linear(o, torch(st, "attn.proj.weight"), vec(st, "attn.proj.bias"));
        Graphs.assertClose(expected, y, 1e-9);
    }

    @Test
    void patchMergingConcatenatesTwoByTwoInTheOfficialOrder() {
        int b = 2, h = 4, w = 6, c = 3;
        ParameterStore st = new ParameterStore(DataType.DOUBLE);
        PatchMerging pm = new PatchMerging(Scope.root(st, 1), h, w, c, 1e-5, Init.truncNormal(0.02));
        assertEquals(List.of("reduction.weight", "norm.weight", "norm.bias"),
                st.entries().stream().map(Param::key).toList());
        randomize(st, 3);
        Dense x = Dense.random(9, b, h * w, c);
        INDArray y = Graphs.run(st, Mode.EVAL, x.toNd4j(), pm::apply);
        Dense cat = new Dense(b, (h / 2) * (w / 2), 4 * c);
        int[][] order = {{0, 0}, {1, 0}, {0, 1}, {1, 1}}; // x0 = (2i, 2j), x1 = (2i+1, 2j), x2 = (2i, 2j+1), x3
        for (int n = 0; n < b; n++) {
            for (int i = 0; i < h / 2; i++) {
                for (int j = 0; j < w / 2; j++) {
                    for (int part = 0; part < 4; part++) {
                        int src = (2 * i + order[part][0]) * w + 2 * j + order[part][1];
                        for (int ch = 0; ch < c; ch++) {
                            cat.set(x.get(n, src, ch), n, i * (w / 2) + j, part * c + ch);
                        }
                    }
                }
            }
        }
        Dense expected = Reference.linear(Reference.layerNormLast(cat, vec(st, "norm.weight"), vec(st, "norm.bias"), 1e-5),
                torch(st, "reduction.weight"), null);
        Graphs.assertClose(expected, y, 1e-9);
    }

    /**
     * SWAT's patch merging of a 2x4 grid of 4x2x2 tokens: the 4x8 four-channel pixel map, LayerNorm over the four
     * channels, a 3x3 convolution to two channels, and regrouping into a 1x2 grid of 2x4x4 tokens, by explicit index
     * arithmetic.
     */
    @Test
    void structureAwarePatchMergingKeepsThePixelGridAndRegroupsIt() {
        int b = 2, gh = 2, gw = 4, c = 4, s = 2, k = 3;
        ParameterStore st = new ParameterStore(DataType.DOUBLE);
        StructureAwarePatchMerging pm = new StructureAwarePatchMerging(Scope.root(st, 1), gh, gw, c, s, s, k, 1e-5);
        assertEquals(List.of("reduction.weight [2, 4, 3, 3]", "norm.weight [4]", "norm.bias [4]"), st.entries().stream()
                .map(p -> p.key() + " " + java.util.Arrays.toString(p.torchShape())).toList());
        randomize(st, 7);
        Dense x = Dense.random(4, b, gh * gw, c * s * s);
        INDArray y = Graphs.run(st, Mode.EVAL, x.toNd4j(), pm::apply);
        int ph = gh * s, pw = gw * s;
        Dense pixels = new Dense(b, ph, pw, c); // channels last
        for (int n = 0; n < b; n++) {
            for (int py = 0; py < ph; py++) {
                for (int px = 0; px < pw; px++) {
                    for (int ch = 0; ch < c; ch++) {
                        int token = (py / s) * gw + px / s;
                        pixels.set(x.get(n, token, ch * s * s + (py % s) * s + px % s), n, py, px, ch);
                    }
                }
            }
        }
        Dense normed = Reference.layerNormLast(pixels, vec(st, "norm.weight"), vec(st, "norm.bias"), 1e-5);
        Dense nchw = new Dense(b, c, ph, pw);
        for (int n = 0; n < b; n++) {
            for (int py = 0; py < ph; py++) {
                for (int px = 0; px < pw; px++) {
                    for (int ch = 0; ch < c; ch++) {
                        nchw.set(normed.get(n, py, px, ch), n, ch, py, px);
                    }
                }
            }
        }
        Dense conv = Reference.conv2d(nchw, torch(st, "reduction.weight"), null, new int[] {1, 1}, new int[] {1, 1},
                new int[] {1, 1}, 1); // [b, 2, 4, 8]
        int t = 2 * s;
        Dense expected = new Dense(b, (gh / 2) * (gw / 2), (c / 2) * t * t);
        for (int n = 0; n < b; n++) {
            for (int ch = 0; ch < c / 2; ch++) {
                for (int py = 0; py < ph; py++) {
                    for (int px = 0; px < pw; px++) {
                        int token = (py / t) * (gw / 2) + px / t;
                        expected.set(conv.get(n, ch, py, px), n, token, ch * t * t + (py % t) * t + px % t);
                    }
                }
            }
        }
        Graphs.assertClose(expected, y, 1e-9);
    }

    /**
     * SWAT's window attention (structure-aware projections plus Swin's relative position bias) on windows of four
     * 2x2x2 tokens with four heads of width 2, so heads are contiguous halves of a structure channel, against a
     * direct computation that convolves every token as its own image.
     */
    @Test
    void structureAwareWindowAttentionSplitsHeadsIntoContiguousChunksAndAddsTheBias() {
        int bw = 3, n = 4, c = 2, s = 2, dim = c * s * s, heads = 4, k = 3;
        ParameterStore st = new ParameterStore(DataType.DOUBLE);
        Scope sc = Scope.root(st, 2).child("attn");
        RelativePositionBias rpb = new RelativePositionBias(sc, 2, 2, heads);
        StructureAwareAttention attn = new StructureAwareAttention(sc, dim, heads, c, s, s, k, true, 0, 0,
                Init.truncNormal(0.02));
        randomize(st, 40);
        Dense x = Dense.random(8, bw, n, dim);
        INDArray y = Graphs.run(st, Mode.EVAL, x.toNd4j(), (ops, t) -> attn.apply(ops, t, rpb.bias(ops)));
        int[] one = {1, 1};
        int[] pad = {k / 2, k / 2};
        Dense lin = Reference.linear(x, torch(st, "attn.qkv_linear.weight"), vec(st, "attn.qkv_linear.bias"));
        Dense conv = Reference.conv2d(new Dense(x.v, bw * n, c, s, s), torch(st, "attn.qkv.weight"),
                vec(st, "attn.qkv.bias"), one, pad, one, 1); // [bw*n, 3c, s, s]
        Dense qkv = new Dense(bw, n, 3 * dim);
        for (int i = 0; i < qkv.v.length; i++) {
            qkv.v[i] = 0.5 * (lin.v[i] + conv.v[i]);
        }
        Dense table = torch(st, "attn.relative_position_bias_table");
        int[] idx = RelativePositionBias.index(2, 2);
        int d = dim / heads;
        Dense o = new Dense(bw, n, dim);
        for (int bb = 0; bb < bw; bb++) {
            for (int hd = 0; hd < heads; hd++) {
                for (int i = 0; i < n; i++) {
                    double[] l = new double[n];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        double acc = 0;
                        for (int e = 0; e < d; e++) {
                            acc += qkv.get(bb, i, hd * d + e) * qkv.get(bb, j, dim + hd * d + e);
                        }
                        l[j] = acc / Math.sqrt(d) + table.get(idx[i * n + j], hd);
                        max = Math.max(max, l[j]);
                    }
                    double z = 0;
                    for (int j = 0; j < n; j++) {
                        l[j] = Math.exp(l[j] - max);
                        z += l[j];
                    }
                    for (int e = 0; e < d; e++) {
                        double acc = 0;
                        for (int j = 0; j < n; j++) {
                            acc += l[j] / z * qkv.get(bb, j, 2 * dim + hd * d + e);
                        }
                        o.set(acc, bb, i, hd * d + e);
                    }
                }
            }
        }
        Dense pl = Reference.linear(o, torch(st, "attn.proj_linear.weight"), vec(st, "attn.proj_linear.bias"));
        Dense pc = Reference.conv2d(new Dense(o.v, bw * n, c, s, s), torch(st, "attn.proj.weight"),
                vec(st, "attn.proj.bias"), one, pad, one, 1);
        Dense expected = new Dense(bw, n, dim);
        for (int i = 0; i < expected.v.length; i++) {
            expected.v[i] = 0.5 * (pl.v[i] + pc.v[i]);
        }
        Graphs.assertClose(expected, y, 1e-9);
    }
}
