package dev.tokenmix.core.mixers.swat;

import static dev.tokenmix.core.testing.Graphs.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Activation;
import dev.tokenmix.core.nn.TokenGrid;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Param;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.testing.Dense;
import dev.tokenmix.core.testing.Graphs;
import dev.tokenmix.core.testing.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The SWAT primitives against loops written from the official code's einops patterns: every index of the
 * reshapes is checked on a small case, and each module is recomputed from its PyTorch-layout weights.
 */
class SwatForwardTest {

    static Dense torch(ParameterStore s, String key) {
        Param p = s.get(key);
        return Dense.of(p.layout().toTorch(p.array(), p.torchShape()));
    }

    static double[] vec(ParameterStore s, String key) {
        return torch(s, key).v;
    }

    static Dense gelu(Dense x) {
        Dense y = new Dense(x.v.clone(), x.shape);
        for (int i = 0; i < y.v.length; i++) {
            y.v[i] = Reference.gelu(y.v[i]);
        }
        return y;
    }

    static Dense conv(ParameterStore s, String key, Dense x, int stride, int pad, int groups) {
        return Reference.conv2d(x, torch(s, key + ".weight"), s.contains(key + ".bias") ? vec(s, key + ".bias") : null,
                new int[] {stride, stride}, new int[] {pad, pad}, new int[] {1, 1}, groups);
    }

    // ------------------------------------------------------------------ reshapes

    @Test
    void spaceToDepthPutsBlockPixelsAtChannelCTimesAlphaSquaredPlusRowTimesAlphaPlusColumn() {
        int b = 2;
        int c = 3;
        int alpha = 2;
        int n1 = 3;
        int n2 = 2;
        Dense x = Dense.random(1, b, c, n1 * alpha, n2 * alpha);
        Dense y = Dense.of(Graphs.run(new ParameterStore(DataType.DOUBLE), Mode.EVAL, x.toNd4j(),
                (ops, t) -> TokenStructure.spaceToDepth(ops, t, alpha)));
        assertArrayEquals(new int[] {b, c * alpha * alpha, n1, n2}, y.shape);
        for (int bi = 0; bi < b; bi++) {
            for (int ci = 0; ci < c; ci++) {
                for (int p1 = 0; p1 < alpha; p1++) {
                    for (int p2 = 0; p2 < alpha; p2++) {
                        for (int i = 0; i < n1; i++) {
                            for (int j = 0; j < n2; j++) {
                                assertEquals(x.get(bi, ci, i * alpha + p1, j * alpha + p2),
                                        y.get(bi, ci * alpha * alpha + p1 * alpha + p2, i, j), 0.0);
                            }
                        }
                    }
                }
            }
        }
        Dense back = Dense.of(Graphs.run(new ParameterStore(DataType.DOUBLE), Mode.EVAL, y.toNd4j(),
                (ops, t) -> TokenStructure.depthToSpace(ops, t, alpha)));
        assertArrayEquals(x.v, back.v, 0.0);
    }

    @Test
    void tokensAsImagesShowsEachTokenAsItsCByHByWImage() {
        int b = 2;
        int n = 3;
        int c = 2;
        int h = 2;
        int w = 3;
        Dense x = Dense.random(2, b, n, c * h * w);
        Dense y = Dense.of(Graphs.run(new ParameterStore(DataType.DOUBLE), Mode.EVAL, x.toNd4j(),
                (ops, t) -> TokenStructure.tokensAsImages(ops, t, c, h, w)));
        assertArrayEquals(new int[] {b * n, c, h, w}, y.shape);
        for (int bi = 0; bi < b; bi++) {
            for (int ni = 0; ni < n; ni++) {
                for (int ci = 0; ci < c; ci++) {
                    for (int yy = 0; yy < h; yy++) {
                        for (int xx = 0; xx < w; xx++) {
                            assertEquals(x.get(bi, ni, ci * h * w + yy * w + xx), y.get(bi * n + ni, ci, yy, xx), 0.0);
                        }
                    }
                }
            }
        }
        Dense back = Dense.of(Graphs.run(new ParameterStore(DataType.DOUBLE), Mode.EVAL, x.toNd4j(),
                (ops, t) -> TokenStructure.imagesAsTokens(ops, TokenStructure.tokensAsImages(ops, t, c, h, w), n)));
        assertArrayEquals(x.v, back.v, 0.0);
    }

    @Test
    void channelStacksHoldOneStructureChannelOfEveryTokenPerImage() {
        int b = 2;
        int n = 3;
        int c = 2;
        int h = 2;
        int w = 2;
        Dense x = Dense.random(3, b, n, c * h * w);
        Dense y = Dense.of(Graphs.run(new ParameterStore(DataType.DOUBLE), Mode.EVAL, x.toNd4j(),
                (ops, t) -> TokenStructure.tokensAsChannelStacks(ops, t, c, h, w)));
        assertArrayEquals(new int[] {b * c, n, h, w}, y.shape);
        for (int bi = 0; bi < b; bi++) {
            for (int ni = 0; ni < n; ni++) {
                for (int ci = 0; ci < c; ci++) {
                    for (int yy = 0; yy < h; yy++) {
                        for (int xx = 0; xx < w; xx++) {
                            assertEquals(x.get(bi, ni, ci * h * w + yy * w + xx), y.get(bi * c + ci, ni, yy, xx), 0.0);
                        }
                    }
                }
            }
        }
        Dense back = Dense.of(Graphs.run(new ParameterStore(DataType.DOUBLE), Mode.EVAL, x.toNd4j(),
                (ops, t) -> TokenStructure.channelStacksAsTokens(ops,
                        TokenStructure.tokensAsChannelStacks(ops, t, c, h, w), c)));
        assertArrayEquals(x.v, back.v, 0.0);
    }

    @Test
    void tokensToPixelsRebuildsTheFullResolutionMapChannelsLast() {
        int b = 1;
        int gh = 2;
        int gw = 3;
        int c = 2;
        int h = 2;
        int w = 2;
        Dense x = Dense.random(4, b, gh * gw, c * h * w);
        Dense y = Dense.of(Graphs.run(new ParameterStore(DataType.DOUBLE), Mode.EVAL, x.toNd4j(),
                (ops, t) -> TokenStructure.tokensToPixels(ops, t, gh, gw, c, h, w)));
        assertArrayEquals(new int[] {b, gh * h, gw * w, c}, y.shape);
        for (int i = 0; i < gh * h; i++) {
            for (int j = 0; j < gw * w; j++) {
                for (int ci = 0; ci < c; ci++) {
                    int token = (i / h) * gw + j / w;
                    assertEquals(x.get(0, token, ci * h * w + (i % h) * w + j % w), y.get(0, i, j, ci), 0.0);
                }
            }
        }
        // and pixelsToTokens (on NCHW) inverts it
        Dense back = Dense.of(Graphs.run(new ParameterStore(DataType.DOUBLE), Mode.EVAL, x.toNd4j(), (ops, t) -> {
            Tensor pix = TokenStructure.tokensToPixels(ops, t, gh, gw, c, h, w);
            return TokenStructure.pixelsToTokens(ops, ops.permute(pix, 0, 3, 1, 2), h);
        }));
        assertArrayEquals(x.v, back.v, 0.0);
    }

    @Test
    void gridToTokensIsRowMajor() {
        Dense x = Dense.random(5, 2, 3, 2, 4);
        Dense y = Dense.of(Graphs.run(new ParameterStore(DataType.DOUBLE), Mode.EVAL, x.toNd4j(),
                TokenGrid::toTokens));
        assertArrayEquals(new int[] {2, 8, 3}, y.shape);
        assertEquals(x.get(1, 2, 1, 3), y.get(1, 1 * 4 + 3, 2), 0.0);
        Dense back = Dense.of(Graphs.run(new ParameterStore(DataType.DOUBLE), Mode.EVAL, y.toNd4j(),
                (ops, t) -> TokenGrid.toGrid(ops, t, 2, 4)));
        assertArrayEquals(x.v, back.v, 0.0);
    }

    // ------------------------------------------------------------------ tokenizer

    /** The tokenizer by hand: conv, tiled PE, GELU, LayerNorm over channels, conv, space-to-depth, LayerNorm. */
    @ParameterizedTest(name = "projKernel={0} pos={1} stemNorm={2} tokenNorm={3}")
    @CsvSource({"1, 2, false, false", "2, 2, true, true", "1, 0, true, false"})
    void tokenizerMatchesTheOfficialComposition(int projKernel, int pos, boolean stemNorm, boolean tokenNorm) {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        int img = 8 * projKernel;
        int stem = 4;
        int alpha = 2;
        int c = 2;
        StructureAwareTokenizer.Builder tb = StructureAwareTokenizer.builder(Scope.root(store, 5).child("pe"), img, 2,
                (long) c * alpha * alpha).stem(stem, 2, 2, 0).projKernel(projKernel).withinPatchPosition(pos).alpha(alpha)
                .convInit(Init.uniform(0.7), Init.uniform(0.5));
        if (stemNorm) {
            tb.stemNorm(1e-5);
        }
        if (tokenNorm) {
            tb.tokenNorm(1e-6);
        }
        StructureAwareTokenizer t = tb.build();
        for (String k : new String[] {"pe.norm2.weight", "pe.norm2.bias", "pe.norm.weight", "pe.norm.bias"}) {
            if (store.contains(k)) {
                store.array(k).assign(Dense.random(k.length(), (int) store.array(k).length()).toNd4j());
            }
        }
        assertEquals(2, t.gridSize());
        Dense x = Dense.random(6, 2, 2, img, img);
        Dense s = conv(store, "pe.proj21", x, 2, 0, 1); // [2, 4, S, S]
        int side = s.dim(2);
        if (pos > 0) {
            Dense pe = torch(store, "pe.pos_embed2");
            for (int bi = 0; bi < 2; bi++) {
                for (int ch = 0; ch < stem; ch++) {
                    for (int i = 0; i < side; i++) {
                        for (int j = 0; j < side; j++) {
                            s.set(s.get(bi, ch, i, j) + pe.get(0, ch, i % pos, j % pos), bi, ch, i, j);
                        }
                    }
                }
            }
        }
        s = gelu(s);
        if (stemNorm) {
            double[] w = vec(store, "pe.norm2.weight");
            double[] bb = vec(store, "pe.norm2.bias");
            Dense normed = new Dense(s.shape);
            for (int bi = 0; bi < 2; bi++) {
                for (int i = 0; i < side; i++) {
                    for (int j = 0; j < side; j++) {
                        Dense px = new Dense(stem);
                        for (int ch = 0; ch < stem; ch++) {
                            px.v[ch] = s.get(bi, ch, i, j);
                        }
                        Dense pn = Reference.layerNormLast(px, w, bb, 1e-5);
                        for (int ch = 0; ch < stem; ch++) {
                            normed.set(pn.v[ch], bi, ch, i, j);
                        }
                    }
                }
            }
            s = normed;
        }
        Dense p = conv(store, "pe.proj22", s, projKernel, 0, 1); // [2, c, G*alpha, G*alpha]
        int g = p.dim(2) / alpha;
        Dense tokens = new Dense(2, g * g, c * alpha * alpha);
        for (int bi = 0; bi < 2; bi++) {
            for (int i = 0; i < g * alpha; i++) {
                for (int j = 0; j < g * alpha; j++) {
                    for (int ci = 0; ci < c; ci++) {
                        tokens.set(p.get(bi, ci, i, j), bi, (i / alpha) * g + j / alpha,
                                ci * alpha * alpha + (i % alpha) * alpha + j % alpha);
                    }
                }
            }
        }
        if (tokenNorm) {
            tokens = Reference.layerNormLast(tokens, vec(store, "pe.norm.weight"), vec(store, "pe.norm.bias"), 1e-6);
        }
        assertClose(tokens, Graphs.run(store, Mode.EVAL, x.toNd4j(), t::apply), 1e-12);
    }

    @Test
    void tokenizerKeysAndShapesAreTheOfficialOnes() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        StructureAwareTokenizer.builder(Scope.root(store, 1).child("patch_embed"), 224, 3, 192)
                .stem(128, 4, 2, 1).withinPatchPosition(8).alpha(8).build();
        assertArrayEquals(new long[] {1, 128, 8, 8}, store.get("patch_embed.pos_embed2").torchShape());
        assertArrayEquals(new long[] {128, 3, 4, 4}, store.get("patch_embed.proj21.weight").torchShape());
        assertArrayEquals(new long[] {3, 128, 1, 1}, store.get("patch_embed.proj22.weight").torchShape());
        assertEquals(5, store.entries().size());
    }

    @Test
    void tokenizerNamesTheInconsistentSetting() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> StructureAwareTokenizer
                .builder(Scope.root(store, 1).child("pe"), 224, 3, 200).alpha(8).build());
        assertEquals("StructureAwareTokenizer pe: embedDim=200 must be a multiple of alpha²=64", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> StructureAwareTokenizer
                .builder(Scope.root(store, 1).child("pe"), 224, 3, 192).alpha(8).withinPatchPosition(5).build());
        assertEquals("StructureAwareTokenizer pe: withinPatchPosition=5 must divide the stem's 112x112 map",
                e.getMessage());
    }

    // ------------------------------------------------------------------ MLP and attention

    @Test
    void spatialConvMlpIsFc2OfActOfDepthwiseFc3OfActOfFc1() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        SpatialConvMlp mlp = new SpatialConvMlp(Scope.root(store, 2).child("mlp"), 3, 4, 2, 3, 4, Activation.GELU, 0.0,
                Init.uniform(0.8), Init.uniform(0.4));
        Dense x = Dense.random(7, 2, 3, 4, 5);
        Dense h = gelu(conv(store, "mlp.fc1", x, 1, 0, 1));
        h = gelu(conv(store, "mlp.fc3", h, 1, 1, 4));
        Dense expected = conv(store, "mlp.fc2", h, 1, 0, 1);
        assertClose(expected, Graphs.run(store, Mode.EVAL, x.toNd4j(), mlp::apply), 1e-12);
    }

    /**
     * The attention recomputed per index: the conv branch convolves token n's {@code c x h x w} image read with the
     * SWAT channel order, head {@code hd} is structure channel {@code hd}, both projections average the branches.
     */
    @Test
    void structureAwareAttentionAveragesLinearAndTokenImageConvolutionBranches() {
        int b = 2;
        int n = 3;
        int c = 2;
        int h = 2;
        int w = 2;
        int dim = c * h * w;
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        StructureAwareAttention attn = new StructureAwareAttention(Scope.root(store, 4).child("attn"), dim, c, c, h, w, 3,
                true, 0.0, 0.0, Init.uniform(0.6));
        for (String k : new String[] {"attn.qkv_linear.bias", "attn.proj_linear.bias"}) {
            store.array(k).assign(Dense.random(k.length(), (int) store.array(k).length()).toNd4j());
        }
        Dense x = Dense.random(8, b, n, dim);
        Dense lin = Reference.linear(x, torch(store, "attn.qkv_linear.weight"), vec(store, "attn.qkv_linear.bias"));
        Dense conv = conv(store, "attn.qkv", images(x, c, h, w), 1, 1, 1); // [b*n, 3c, h, w]
        int d = h * w;
        double[][][][][] qkv = new double[3][b][c][n][d];
        for (int cx = 0; cx < 3; cx++) {
            for (int bi = 0; bi < b; bi++) {
                for (int hd = 0; hd < c; hd++) {
                    for (int ni = 0; ni < n; ni++) {
                        for (int j = 0; j < d; j++) {
                            qkv[cx][bi][hd][ni][j] = 0.5 * (lin.get(bi, ni, cx * dim + hd * d + j)
                                    + conv.get(bi * n + ni, cx * c + hd, j / w, j % w));
                        }
                    }
                }
            }
        }
        Dense o = new Dense(b, n, dim); // heads merged: [b, n, hd*d + j]
        for (int bi = 0; bi < b; bi++) {
            for (int hd = 0; hd < c; hd++) {
                Dense logits = new Dense(n, n);
                for (int i = 0; i < n; i++) {
                    for (int k = 0; k < n; k++) {
                        double s = 0;
                        for (int j = 0; j < d; j++) {
                            s += qkv[0][bi][hd][i][j] * qkv[1][bi][hd][k][j];
                        }
                        logits.set(s / Math.sqrt(d), i, k);
                    }
                }
                Dense a = Reference.softmaxLast(logits);
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < d; j++) {
                        double s = 0;
                        for (int k = 0; k < n; k++) {
                            s += a.get(i, k) * qkv[2][bi][hd][k][j];
                        }
                        o.set(s, bi, i, hd * d + j);
                    }
                }
            }
        }
        Dense ol = Reference.linear(o, torch(store, "attn.proj_linear.weight"), vec(store, "attn.proj_linear.bias"));
        Dense oc = conv(store, "attn.proj", images(o, c, h, w), 1, 1, 1);
        Dense expected = new Dense(b, n, dim);
        for (int bi = 0; bi < b; bi++) {
            for (int ni = 0; ni < n; ni++) {
                for (int ch = 0; ch < dim; ch++) {
                    expected.set(0.5 * (ol.get(bi, ni, ch) + oc.get(bi * n + ni, ch / d, (ch % d) / w, ch % w)), bi, ni,
                            ch);
                }
            }
        }
        assertClose(expected, Graphs.run(store, Mode.EVAL, x.toNd4j(), attn::apply), 1e-12);
        assertArrayEquals(new long[] {6, 2, 3, 3}, store.get("attn.qkv.weight").torchShape());
        assertArrayEquals(new long[] {2, 2, 3, 3}, store.get("attn.proj.weight").torchShape());
    }

    @Test
    void keyOrderFollowsTheOfficialModule() {
        ParameterStore deit = new ParameterStore(DataType.FLOAT);
        new StructureAwareAttention(Scope.root(deit, 1).child("attn"), 8, 2, 2, 2, 2, 3, true, 0.0, 0.0, Init.zeros());
        assertEquals("attn.qkv_linear.weight", deit.entries().get(0).key());
        ParameterStore swin = new ParameterStore(DataType.FLOAT);
        new StructureAwareAttention(Scope.root(swin, 1).child("attn"), 8, 2, 2, 2, 2, 3, true, 0.0, 0.0, Init.zeros(),
                StructureAwareAttention.KeyOrder.CONV_FIRST);
        assertEquals(java.util.List.of("attn.qkv.weight", "attn.qkv.bias", "attn.qkv_linear.weight", "attn.qkv_linear.bias",
                "attn.proj.weight", "attn.proj.bias", "attn.proj_linear.weight", "attn.proj_linear.bias"),
                swin.entries().stream().map(Param::key).toList());
    }

    /** Windows folded into the batch ({@code [B*2, N, C]}, as Swin passes them) are attended to independently. */
    @Test
    void structureAwareAttentionTakesWindowsFoldedIntoTheBatch() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        StructureAwareAttention attn = new StructureAwareAttention(Scope.root(store, 6).child("attn"), 8, 4, 2, 2, 2, 3,
                true, 0.0, 0.0, Init.uniform(0.6));
        Dense x = Dense.random(9, 2, 2, 3, 8); // [B, windows, N, C]
        Dense all = Dense.of(Graphs.run(store, Mode.EVAL, x.toNd4j(), (ops, t) -> {
            Tensor windows = ops.reshape(t, -1, 3, 8); // [B*2, N, C]
            return ops.reshape(attn.apply(ops, windows), -1, 2, 3, 8);
        }));
        for (int win = 0; win < 2; win++) {
            Dense one = new Dense(2, 3, 8);
            for (int b = 0; b < 2; b++) {
                for (int i = 0; i < 24; i++) {
                    one.set(x.get(b, win, i / 8, i % 8), b, i / 8, i % 8);
                }
            }
            Dense y = Dense.of(Graphs.run(store, Mode.EVAL, one.toNd4j(), attn::apply));
            for (int b = 0; b < 2; b++) {
                for (int i = 0; i < 24; i++) {
                    assertEquals(y.get(b, i / 8, i % 8), all.get(b, win, i / 8, i % 8), 1e-12);
                }
            }
        }
    }

    /** {@code [b, n, c*h*w]} tokens as {@code [b*n, c, h, w]} images, index by index. */
    static Dense images(Dense tokens, int c, int h, int w) {
        int b = tokens.dim(0);
        int n = tokens.dim(1);
        Dense y = new Dense(b * n, c, h, w);
        for (int bi = 0; bi < b; bi++) {
            for (int ni = 0; ni < n; ni++) {
                for (int ci = 0; ci < c; ci++) {
                    for (int yy = 0; yy < h; yy++) {
                        for (int xx = 0; xx < w; xx++) {
                            y.set(tokens.get(bi, ni, ci * h * w + yy * w + xx), bi * n + ni, ci, yy, xx);
                        }
                    }
                }
            }
        }
        return y;
    }

    @Test
    void convolutionsOverTokenImagesCountTheirMacsForEveryToken() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        StructureAwareAttention attn = new StructureAwareAttention(Scope.root(store, 1).child("attn"), 192, 3, 3, 8, 8, 3,
                true, 0.0, 0.0, Init.truncNormal(0.02));
        Ops ops = new Ops(store, Mode.EVAL);
        attn.apply(ops, ops.placeholder("x", -1, 196, 192));
        long linear = 196L * 192 * 576 + 196L * 192 * 192;
        long conv = 196L * 64 * (9 * 3 * 9) + 196L * 64 * (3 * 3 * 9);
        long matmul = 2L * 3 * 196 * 196 * 64;
        assertEquals(linear + conv + matmul, ops.totalMacs());
    }
}
