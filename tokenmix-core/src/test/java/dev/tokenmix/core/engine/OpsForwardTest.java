package dev.tokenmix.core.engine;

import static dev.tokenmix.core.testing.Graphs.assertClose;
import static dev.tokenmix.core.testing.Graphs.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Layout;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.testing.Dense;
import dev.tokenmix.core.testing.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Forward results of the facade against PyTorch's rules written as Java loops ({@link Reference}); a gradient
 * check does not show that the function itself is PyTorch's.
 */
class OpsForwardTest {
    static final double TOL = 1e-10;

    static ParameterStore doubles() {
        return new ParameterStore(DataType.DOUBLE);
    }

    // ------------------------------------------------------------------ activations

    @Test
    void geluIsTheExactErfForm() {
        int n = 81;
        Dense x = new Dense(1, n);
        for (int i = 0; i < n; i++) {
            x.v[i] = -5 + 10.0 * i / (n - 1);
        }
        INDArray y = run(doubles(), Mode.EVAL, x.toNd4j(), Ops::gelu);
        Dense exact = new Dense(1, n);
        double maxGap = 0;
        for (int i = 0; i < n; i++) {
            exact.v[i] = Reference.gelu(x.v[i]);
            maxGap = Math.max(maxGap, Math.abs(y.getDouble(0, i) - Reference.geluSigmoidApprox(x.v[i])));
        }
        assertClose(exact, y, 1e-12);
        // and it is not SameDiff's sigmoid approximation, which differs by up to ~2e-2
        assertTrue(maxGap > 1e-3, "GELU equals the sigmoid approximation (max gap " + maxGap + ")");
    }

    @Test
    void geluInFloatIsTheErfFormToo() {
        Dense x = Dense.uniform(21, -4, 4, 3, 17);
        INDArray y = run(new ParameterStore(DataType.FLOAT), Mode.EVAL, x.toNd4j(DataType.FLOAT), Ops::gelu);
        Dense exact = new Dense(x.shape);
        for (int i = 0; i < x.v.length; i++) {
            exact.v[i] = Reference.gelu(x.v[i]);
        }
        assertClose(exact, y, 2e-6);
    }

    @Test
    void referenceErfMatchesKnownValues() {
        assertEquals(0.0, Reference.erf(0), 0);
        assertEquals(0.8427007929497149, Reference.erf(1), 1e-14);
        assertEquals(-0.9953222650189527, Reference.erf(-2), 1e-14);
        assertEquals(0.9999779095030014, Reference.erf(3), 1e-13);
        assertEquals(0.9999999845827421, Reference.erf(4), 1e-14);
    }

    @Test
    void elementwiseActivationsFollowTheirDefinitions() {
        Dense x = Dense.uniform(3, -3, 3, 2, 10);
        ParameterStore st = doubles();
        INDArray xs = x.toNd4j();
        INDArray relu = run(st, Mode.EVAL, xs, Ops::relu);
        INDArray silu = run(st, Mode.EVAL, xs, Ops::silu);
        INDArray sig = run(st, Mode.EVAL, xs, Ops::sigmoid);
        for (int i = 0; i < x.v.length; i++) {
            int r = i / 10;
            int c = i % 10;
            assertEquals(Math.max(0, x.v[i]), relu.getDouble(r, c), TOL);
            assertEquals(x.v[i] * Reference.sigmoid(x.v[i]), silu.getDouble(r, c), TOL);
            assertEquals(Reference.sigmoid(x.v[i]), sig.getDouble(r, c), TOL);
        }
    }

    // ------------------------------------------------------------------ normalisation

    @Test
    void layerNormAddsEpsilonInsideTheSquareRoot() {
        // a near-constant row: its variance (~1.9e-6) is below eps, so eps changes the result by a factor ~2.6
        Dense x = new Dense(new double[] {1, 1 + 1e-3, 1 - 1e-3, 1 + 2e-3, 0.3, -1.2, 2.0, 0.7}, 2, 4);
        double eps = 1e-5;
        ParameterStore st = doubles();
        Scope sc = Scope.root(st, 1);
        String w = sc.parameter("w", Init.constant(1.5), 4);
        String b = sc.parameter("b", Init.constant(-0.25), 4);
        INDArray y = run(st, Mode.EVAL, x.toNd4j(),
                (ops, t) -> ops.layerNorm(t, ops.param(w), ops.param(b), eps, -1));
        double[] wv = {1.5, 1.5, 1.5, 1.5};
        double[] bv = {-0.25, -0.25, -0.25, -0.25};
        assertClose(Reference.layerNormLast(x, wv, bv, eps), y, 1e-9);
        Dense noEps = Reference.layerNormLast(x, wv, bv, 0);
        assertTrue(Math.abs(noEps.get(0, 3) - y.getDouble(0, 3)) > 0.5, "epsilon was ignored");
    }

    @Test
    void layerNormOfAConstantRowIsTheBiasNotNaN() {
        Dense x = new Dense(new double[] {2, 2, 2, 2}, 1, 4);
        INDArray y = run(doubles(), Mode.EVAL, x.toNd4j(), (ops, t) -> ops.layerNorm(t, null, null, 1e-6, -1));
        assertClose(new Dense(1, 4), y, 0);
    }

    @Test
    void layerNormOverChannelsOfNchw() {
        Dense x = Dense.random(4, 2, 3, 2, 2);
        ParameterStore st = doubles();
        Scope sc = Scope.root(st, 1);
        Init ramp = (out, s, r) -> {
            for (int i = 0; i < out.length; i++) {
                out[i] = 0.5 + i;
            }
        };
        String w = sc.parameter("w", ramp, 3);
        String b = sc.parameter("b", Init.constant(0.1), 3);
        INDArray y = run(st, Mode.EVAL, x.toNd4j(), (ops, t) -> ops.layerNorm(t, ops.param(w), ops.param(b), 1e-6, 1));
        // the same as a last-axis LayerNorm of the channels-last tensor
        Dense nhwc = new Dense(2, 2, 2, 3);
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < 2; i++) {
                    for (int j = 0; j < 2; j++) {
                        nhwc.set(x.get(n, c, i, j), n, i, j, c);
                    }
                }
            }
        }
        Dense ref = Reference.layerNormLast(nhwc, new double[] {0.5, 1.5, 2.5}, new double[] {0.1, 0.1, 0.1}, 1e-6);
        Dense expected = new Dense(2, 3, 2, 2);
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < 2; i++) {
                    for (int j = 0; j < 2; j++) {
                        expected.set(ref.get(n, i, j, c), n, c, i, j);
                    }
                }
            }
        }
        assertClose(expected, y, 1e-9);
    }

    @Test
    void batchNormInEvalUsesRunningStatistics() {
        Dense x = Dense.random(5, 2, 3, 2, 2);
        ParameterStore st = doubles();
        Scope sc = Scope.root(st, 1);
        double[] w = {0.5, 1.5, -1.0};
        double[] b = {0.1, -0.2, 0.3};
        double[] rm = {0.2, -0.4, 0.0};
        double[] rv = {0.5, 2.0, 1e-3};
        String wk = sc.parameter("w", vector(w), 3);
        String bk = sc.parameter("b", vector(b), 3);
        String rmk = sc.buffer("running_mean", vector(rm), 3);
        String rvk = sc.buffer("running_var", vector(rv), 3);
        double eps = 1e-3;
        INDArray y = run(st, Mode.EVAL, x.toNd4j(),
                (ops, t) -> ops.batchNorm2d(t, ops.param(wk), ops.param(bk), rmk, rvk, eps, 0.1));
        Dense expected = new Dense(x.shape);
        for (int i = 0; i < x.v.length; i++) {
            int c = (i / 4) % 3;
            expected.v[i] = (x.v[i] - rm[c]) / Math.sqrt(rv[c] + eps) * w[c] + b[c];
        }
        assertClose(expected, y, 1e-9);
    }

    static Init vector(double[] values) {
        return (out, s, r) -> System.arraycopy(values, 0, out, 0, values.length);
    }

    // ------------------------------------------------------------------ pooling and resizing

    @ParameterizedTest(name = "avgPool {0}x{0}/{1} pad {2} count_include_pad={3} on {4}x{4} {5}")
    @CsvSource({"3,2,1,true,5,DOUBLE", "3,2,1,false,5,DOUBLE", "3,1,1,false,4,DOUBLE", "3,1,1,true,4,DOUBLE",
        "2,2,0,true,4,DOUBLE", "2,2,1,false,5,DOUBLE", "2,2,1,true,5,DOUBLE", "3,2,1,true,5,FLOAT",
        "3,1,1,false,4,FLOAT", "3,1,1,true,4,FLOAT"})
    void avgPoolCountIncludePad(int k, int s, int p, boolean include, int hw, DataType dt) {
        Dense x = Dense.random(6, 2, 2, hw, hw);
        INDArray y = run(new ParameterStore(dt), Mode.EVAL, x.toNd4j(dt),
                (ops, t) -> ops.avgPool2d(t, new int[] {k, k}, new int[] {s, s}, new int[] {p, p}, include));
        assertClose(Reference.avgPool2d(x, k, s, p, include), y, dt == DataType.DOUBLE ? 1e-12 : 1e-6);
    }

    @Test
    void countIncludePadChangesBorderCells() {
        Dense x = Dense.uniform(6, 1, 2, 1, 1, 4, 4);
        Dense with = Reference.avgPool2d(x, 3, 1, 1, true);
        Dense without = Reference.avgPool2d(x, 3, 1, 1, false);
        // corner: 4 of 9 cells are real, so the two rules differ by a factor 9/4
        assertEquals(with.get(0, 0, 0, 0) * 9 / 4, without.get(0, 0, 0, 0), 1e-12);
    }

    @ParameterizedTest(name = "maxPool {0}x{0}/{1} pad {2} on {3}x{3} {4}")
    @CsvSource({"3,2,1,5,DOUBLE", "2,2,0,4,DOUBLE", "3,1,1,4,DOUBLE", "3,2,1,5,FLOAT"})
    void maxPool(int k, int s, int p, int hw, DataType dt) {
        // all negative, so a zero from the padding would win if padding took part
        Dense x = Dense.uniform(8, -2, -0.5, 2, 2, hw, hw);
        INDArray y = run(new ParameterStore(dt), Mode.EVAL, x.toNd4j(dt),
                (ops, t) -> ops.maxPool2d(t, new int[] {k, k}, new int[] {s, s}, new int[] {p, p}));
        assertClose(Reference.maxPool2d(x, k, s, p), y, dt == DataType.DOUBLE ? 0 : 1e-6);
    }

    @ParameterizedTest(name = "adaptiveAvgPool2d {0}x{1} to {2}x{3}")
    @CsvSource({"14,14,8,8", "5,5,3,3", "6,6,3,3", "7,5,3,2", "4,4,1,1", "3,5,3,5"})
    void adaptiveAvgPoolUsesPyTorchWindows(int h, int w, int oh, int ow) {
        Dense x = Dense.random(9, 2, 2, h, w);
        INDArray y = run(doubles(), Mode.EVAL, x.toNd4j(), (ops, t) -> ops.adaptiveAvgPool2d(t, oh, ow));
        assertClose(Reference.adaptiveAvgPool2d(x, oh, ow), y, 1e-12);
    }

    @Test
    void adaptivePoolWindowsOverlapFrom14To8() {
        // PyTorch: cell 1 averages rows floor(14/8)=1 .. ceil(28/8)=4 (exclusive), cell 2 rows 3..6: row 3 in both
        Dense x = new Dense(1, 1, 14, 1);
        x.set(1.0, 0, 0, 3, 0);
        INDArray y = run(doubles(), Mode.EVAL, x.toNd4j(), (ops, t) -> ops.adaptiveAvgPool2d(t, 8, 1));
        assertEquals(0.0, y.getDouble(0, 0, 0, 0), 1e-12);
        assertEquals(1.0 / 3, y.getDouble(0, 0, 1, 0), 1e-12);
        assertEquals(1.0 / 3, y.getDouble(0, 0, 2, 0), 1e-12);
        assertEquals(0.0, y.getDouble(0, 0, 3, 0), 1e-12);
    }

    @ParameterizedTest(name = "bilinear {0}x{1} to {2}x{3}")
    @CsvSource({"4,4,7,7", "7,7,3,3", "4,6,7,3", "5,5,5,5", "2,3,8,1"})
    void bilinearWithoutAlignCorners(int h, int w, int oh, int ow) {
        Dense x = Dense.random(10, 2, 2, h, w);
        INDArray y = run(doubles(), Mode.EVAL, x.toNd4j(), (ops, t) -> ops.resizeBilinear(t, oh, ow));
        assertClose(Reference.bilinear(x, oh, ow), y, 1e-12);
    }

    @Test
    void bilinearFourToSevenKnownValues() {
        // torch.nn.functional.interpolate(torch.arange(4.).view(1,1,1,4), size=(1,7), mode="bilinear",
        // align_corners=False): source x = (j + 0.5) * 4/7 - 0.5, clamped at 0
        Dense x = new Dense(new double[] {0, 1, 2, 3}, 1, 1, 1, 4);
        INDArray y = run(doubles(), Mode.EVAL, x.toNd4j(), (ops, t) -> ops.resizeBilinear(t, 1, 7));
        double[] expected = {0, 5.0 / 14, 13.0 / 14, 1.5, 29.0 / 14, 37.0 / 14, 3};
        assertArrayEquals(expected, Dense.of(y).v, 1e-12);
    }

    // ------------------------------------------------------------------ shape ops

    @ParameterizedTest(name = "roll shift {0} along axis {1}")
    @CsvSource({"2,1", "-1,1", "7,1", "0,1", "5,1", "1,2", "-4,2", "3,-1"})
    void rollIsTorchRoll(long shift, int axis) {
        Dense x = Dense.random(11, 2, 5, 3);
        INDArray y = run(doubles(), Mode.EVAL, x.toNd4j(), (ops, t) -> ops.roll(t, shift, axis));
        int a = axis < 0 ? 3 + axis : axis;
        int n = x.dim(a);
        Dense expected = new Dense(x.shape);
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < 5; i++) {
                for (int j = 0; j < 3; j++) {
                    int[] src = {b, i, j};
                    // torch.roll: out[i] = x[(i - shift) mod n]
                    src[a] = Math.floorMod(src[a] - shift, n);
                    expected.set(x.get(src), b, i, j);
                }
            }
        }
        assertClose(expected, y, 0);
    }

    @Test
    void windowPartitionOrdersWindowsRowMajorPerImage() {
        int ws = 2;
        Dense x = Dense.random(12, 2, 4, 6, 3);
        INDArray y = run(doubles(), Mode.EVAL, x.toNd4j(), (ops, t) -> ops.windowPartition(t, ws));
        assertArrayEquals(new long[] {2 * 6, ws, ws, 3}, y.shape());
        Dense yd = Dense.of(y);
        int nh = 4 / ws;
        int nw = 6 / ws;
        for (int b = 0; b < 2; b++) {
            for (int wh = 0; wh < nh; wh++) {
                for (int ww = 0; ww < nw; ww++) {
                    int win = b * nh * nw + wh * nw + ww;
                    for (int i = 0; i < ws; i++) {
                        for (int j = 0; j < ws; j++) {
                            for (int c = 0; c < 3; c++) {
                                assertEquals(x.get(b, wh * ws + i, ww * ws + j, c), yd.get(win, i, j, c), 0.0);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void windowReverseInvertsWindowPartition() {
        Dense x = Dense.random(13, 3, 6, 4, 2);
        INDArray y = run(doubles(), Mode.EVAL, x.toNd4j(),
                (ops, t) -> ops.windowReverse(ops.windowPartition(t, 2), 2, 6, 4));
        assertClose(x, y, 0);
    }

    @Test
    void unbindGivesEverySliceWithoutTheAxis() {
        Dense x = Dense.random(15, 2, 3, 4);
        for (int i = 0; i < 3; i++) {
            int part = i;
            INDArray got = run(doubles(), Mode.EVAL, x.toNd4j(), (ops, t) -> ops.unbind(t, 1).get(part));
            Dense want = new Dense(2, 4);
            for (int a = 0; a < 2; a++) {
                for (int b = 0; b < 4; b++) {
                    want.set(x.get(a, part, b), a, b);
                }
            }
            assertClose(want, got, 0);
        }
    }

    @Test
    void sliceWithStepPadAndConcat() {
        Dense x = Dense.random(14, 2, 5, 2);
        INDArray sl = run(doubles(), Mode.EVAL, x.toNd4j(), (ops, t) -> ops.slice(t, 1, 1, 5, 2));
        Dense sle = new Dense(2, 2, 2);
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < 2; i++) {
                for (int c = 0; c < 2; c++) {
                    sle.set(x.get(b, 1 + 2 * i, c), b, i, c);
                }
            }
        }
        assertClose(sle, sl, 0);

        INDArray pd = run(doubles(), Mode.EVAL, x.toNd4j(),
                (ops, t) -> ops.pad(t, new long[][] {{0, 0}, {1, 2}, {0, 1}}, 0.5));
        Dense pde = new Dense(2, 8, 3);
        java.util.Arrays.fill(pde.v, 0.5);
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < 5; i++) {
                for (int c = 0; c < 2; c++) {
                    pde.set(x.get(b, i, c), b, i + 1, c);
                }
            }
        }
        assertClose(pde, pd, 0);

        INDArray cc = run(doubles(), Mode.EVAL, x.toNd4j(), (ops, t) -> ops.concat(2, t, ops.mul(t, 2.0)));
        Dense cce = new Dense(2, 5, 4);
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < 5; i++) {
                for (int c = 0; c < 2; c++) {
                    cce.set(x.get(b, i, c), b, i, c);
                    cce.set(2 * x.get(b, i, c), b, i, c + 2);
                }
            }
        }
        assertClose(cce, cc, 0);
    }

    @Test
    void reshapeWithBatchKeepsRowMajorOrder() {
        Dense x = Dense.random(15, 2, 3, 4);
        INDArray y = run(doubles(), Mode.EVAL, x.toNd4j(), (ops, t) -> {
            Tensor r = ops.reshape(t, -1, 4);
            assertArrayEquals(new long[] {-3, 4}, r.shape());
            return ops.reshape(r, -1, 12);
        });
        assertClose(new Dense(x.v, 2, 12), y, 0);
    }

    @Test
    void softmaxLogSoftmaxAndL2Normalize() {
        Dense x = Dense.uniform(16, -2, 2, 2, 3, 4);
        ParameterStore st = doubles();
        assertClose(Reference.softmaxLast(x), run(st, Mode.EVAL, x.toNd4j(), (ops, t) -> ops.softmax(t, -1)), 1e-12);
        Dense logSm = Reference.softmaxLast(x);
        for (int i = 0; i < logSm.v.length; i++) {
            logSm.v[i] = Math.log(logSm.v[i]);
        }
        assertClose(logSm, run(st, Mode.EVAL, x.toNd4j(), Ops::logSoftmax), 1e-12);
        // softmax over axis 1 = softmax of the transposed last axis
        INDArray s1 = run(st, Mode.EVAL, x.toNd4j(), (ops, t) -> ops.softmax(t, 1));
        for (int b = 0; b < 2; b++) {
            for (int j = 0; j < 4; j++) {
                double z = 0;
                for (int i = 0; i < 3; i++) {
                    z += Math.exp(x.get(b, i, j));
                }
                for (int i = 0; i < 3; i++) {
                    assertEquals(Math.exp(x.get(b, i, j)) / z, s1.getDouble(b, i, j), 1e-12);
                }
            }
        }
        // F.normalize: x / max(||x||, eps); an all-zero row stays zero
        Dense z = new Dense(new double[] {3, 4, 0, 0}, 2, 2);
        assertClose(new Dense(new double[] {0.6, 0.8, 0, 0}, 2, 2),
                run(st, Mode.EVAL, z.toNd4j(), (ops, t) -> ops.l2Normalize(t, -1, 1e-12)), 1e-12);
    }

    @Test
    void linearAndMatmulFollowPyTorch() {
        Dense x = Dense.random(17, 2, 2, 3, 4);
        ParameterStore st = doubles();
        Scope sc = Scope.root(st, 1);
        String w = sc.parameter("w", Init.uniform(1), 5, 4);
        String b = sc.parameter("b", Init.uniform(1), 5);
        Dense wd = Dense.of(st.array(w));
        INDArray y = run(st, Mode.EVAL, x.toNd4j(), (ops, t) -> ops.linear(t, ops.param(w), ops.param(b)));
        assertClose(Reference.linear(x, wd, Dense.of(st.array(b)).v), y, 1e-12);
        // x^T x per (batch, head): [4, 4]
        INDArray g = run(st, Mode.EVAL, x.toNd4j(), (ops, t) -> ops.matmul(t, t, true, false));
        assertArrayEquals(new long[] {2, 2, 4, 4}, g.shape());
        for (int n = 0; n < 2; n++) {
            for (int h = 0; h < 2; h++) {
                for (int i = 0; i < 4; i++) {
                    for (int j = 0; j < 4; j++) {
                        double s = 0;
                        for (int r = 0; r < 3; r++) {
                            s += x.get(n, h, r, i) * x.get(n, h, r, j);
                        }
                        assertEquals(s, g.getDouble(n, h, i, j), 1e-12);
                    }
                }
            }
        }
    }

    @Test
    void meanSumAndCrossEntropy() {
        Dense x = Dense.random(18, 2, 3, 4);
        ParameterStore st = doubles();
        INDArray m = run(st, Mode.EVAL, x.toNd4j(), (ops, t) -> ops.mean(t, false, 1, 2));
        INDArray s = run(st, Mode.EVAL, x.toNd4j(), (ops, t) -> ops.sum(t, true, 1));
        assertArrayEquals(new long[] {2, 1, 4}, s.shape());
        for (int b = 0; b < 2; b++) {
            double tot = 0;
            for (int j = 0; j < 4; j++) {
                double col = 0;
                for (int i = 0; i < 3; i++) {
                    col += x.get(b, i, j);
                }
                tot += col;
                assertEquals(col, s.getDouble(b, 0, j), 1e-12);
            }
            assertEquals(tot / 12, m.getDouble(b), 1e-12);
        }
        Dense logits = Dense.uniform(19, -2, 2, 3, 5);
        Dense targets = Dense.uniform(20, 0, 1, 3, 5);
        INDArray loss = run(st, Mode.EVAL, logits.toNd4j(), (ops, t) -> ops.softTargetCrossEntropy(t,
                ops.wrap(ops.sameDiff().constant(targets.toNd4j()), -1, 5)));
        Dense p = Reference.softmaxLast(logits);
        double expected = 0;
        for (int i = 0; i < p.v.length; i++) {
            expected -= targets.v[i] * Math.log(p.v[i]);
        }
        assertEquals(expected / 3, loss.getDouble(0), 1e-12);
    }

    @Test
    void channelsLastDepthwiseIsTheNchwOneOnTransposedInput() {
        ParameterStore store = doubles();
        Scope s = Scope.root(store, 3);
        String w = s.parameter("w", Init.uniform(1.0), Layout.DEPTHWISE_YXCM, new long[] {3, 3, 4, 1},
                new long[] {4, 1, 3, 3});
        String b = s.parameter("b", Init.uniform(0.5), 4);
        int[] one = {1, 1};
        INDArray nhwc = Dense.random(9, 2, 5, 6, 4).toNd4j(); // [B, H, W, C]
        INDArray got = run(store, Mode.EVAL, nhwc, (ops, x) -> ops.depthwiseConv2dChannelsLast(x, ops.param(w),
                ops.param(b), one, one, one));
        INDArray want = run(store, Mode.EVAL, nhwc.permute(0, 3, 1, 2).dup(), (ops, x) -> ops.depthwiseConv2d(x,
                ops.param(w), ops.param(b), one, one, one)).permute(0, 2, 3, 1); // NCHW result back to NHWC
        assertArrayEquals(want.shape(), got.shape());
        assertTrue(want.sub(got).amaxNumber().doubleValue() < 1e-12, "channels-last differs from NCHW");
        assertTrue(want.amaxNumber().doubleValue() > 0.1, "a non-trivial result");
    }
}
