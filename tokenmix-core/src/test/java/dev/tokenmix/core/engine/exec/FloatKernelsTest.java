package dev.tokenmix.core.engine.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.tokenmix.core.testing.Dense;
import dev.tokenmix.core.testing.Reference;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fused float kernels: erf against a double-precision erf, the backward kernels against the derivative and
 * finite differences of the double-precision references, the density test, views with an offset, thread splits.
 */
class FloatKernelsTest {

    @Test
    void erfIsWithinOneMillionthOfTheDoubleErfOnMinusSixToSix() {
        double worst = 0;
        float worstAt = Float.NaN;
        // a dense grid plus seeded random points, so the test does not depend on where the grid falls
        SplittableRandom r = new SplittableRandom(7);
        int grid = 24_001;
        for (int i = 0; i < grid + 20_000; i++) {
            float x = i < grid ? (float) (-6 + 12.0 * i / (grid - 1)) : (float) (-6 + 12 * r.nextDouble());
            double err = Math.abs(FloatKernels.erf(x) - Reference.erf(x));
            if (!(err <= worst)) {
                worst = err;
                worstAt = x;
            }
        }
        assertTrue(worst < 1e-6, "max |erf error| " + worst + " at x = " + worstAt);
    }

    @Test
    void erfIsOddAndSaturatesBeyondTheClamp() {
        for (float x : new float[] {0.1f, 0.5f, 1f, 2.5f, 3.9f, 4.5f, 6f}) {
            assertEquals(-FloatKernels.erf(x), FloatKernels.erf(-x), 0f, "erf(-x) = -erf(x) at " + x);
        }
        assertEquals(0f, FloatKernels.erf(0f), 0f);
        assertEquals(1.0, FloatKernels.erf(100f), 1e-6);
        assertEquals(-1.0, FloatKernels.erf(-100f), 1e-6);
    }

    @Test
    void geluBackwardIsTheDerivativeOfExactGelu() {
        int n = 6000;
        Dense x = Dense.uniform(41, -9, 9, n);
        x.v[0] = 0;
        Dense dy = Dense.uniform(42, -2, 2, n);
        INDArray out = Nd4j.create(DataType.FLOAT, n);
        new FloatKernels(new ParallelRanges(1)).geluBackward(x.toNd4j(DataType.FLOAT), dy.toNd4j(DataType.FLOAT), out);
        double[] got = Dense.of(out).v;
        for (int i = 0; i < n; i++) {
            double xi = (float) x.v[i];
            double gi = (float) dy.v[i];
            double want = gi * (0.5 * (1 + Reference.erf(xi / Math.sqrt(2))) + xi * Math.exp(-xi * xi / 2)
                    / Math.sqrt(2 * Math.PI));
            assertEquals(want, got[i], 3e-6 * Math.abs(gi) + 1e-7, "GELU backward at x = " + xi);
        }
    }

    @Test
    void geluKeepingItsDerivativeGivesTheSameGeluAndBackward() {
        int n = 9000; // more than two chunks
        Dense x = Dense.uniform(43, -9, 9, n);
        INDArray dy = Dense.uniform(44, -2, 2, n).toNd4j(DataType.FLOAT);
        FloatKernels k = new FloatKernels(new ParallelRanges(2));
        INDArray want = Nd4j.create(DataType.FLOAT, n);
        INDArray wantDx = Nd4j.create(DataType.FLOAT, n);
        k.gelu(x.toNd4j(DataType.FLOAT), want);
        k.geluBackward(x.toNd4j(DataType.FLOAT), dy, wantDx);

        INDArray kept = x.toNd4j(DataType.FLOAT);
        INDArray got = Nd4j.create(DataType.FLOAT, n);
        k.geluKeepingDerivative(kept, got); // kept now holds the derivative
        INDArray gotDx = kept.mul(dy); // the backward's one multiply
        assertEquals(0.0, want.sub(got).amaxNumber().doubleValue(), 0.0, "the same GELU");
        assertEquals(0.0, wantDx.sub(gotDx).amaxNumber().doubleValue(), 2e-7, "the same input gradient");
    }

    @Test
    void layerNormBackwardsMatchFiniteDifferencesOfTheDoubleReference() {
        for (boolean savedStatistics : new boolean[] {false, true}) {
            checkLayerNormBackward(new int[] {3, 2, 8}, 2, savedStatistics);
            checkLayerNormBackward(new int[] {2, 4, 3, 5}, 1, savedStatistics);
        }
    }

    /**
     * dx, dw and db of {@code sum(dy * LayerNorm(x))} against central differences in double precision; the
     * backward computes the statistics itself, or reads those its forward kept.
     */
    private static void checkLayerNormBackward(int[] shape, int axis, boolean savedStatistics) {
        int c = shape[axis];
        double eps = 1e-5;
        Dense x = roundedToFloat(Dense.uniform(31, -2, 2, shape));
        Dense dy = roundedToFloat(Dense.uniform(32, -1, 1, shape));
        Dense w = roundedToFloat(Dense.uniform(33, 0.5, 1.5, c));
        double[] b = roundedToFloat(Dense.uniform(34, -0.5, 0.5, c)).v;
        INDArray dx = Nd4j.create(DataType.FLOAT, x.longShape());
        INDArray dw = Nd4j.create(DataType.FLOAT, c);
        INDArray db = Nd4j.create(DataType.FLOAT, c);
        FloatKernels k = new FloatKernels(new ParallelRanges(1));
        INDArray xs = x.toNd4j(DataType.FLOAT);
        float[] stats = null;
        if (savedStatistics) {
            stats = FloatKernels.statistics(xs.length(), c);
            INDArray forward = xs.like();
            if (axis == shape.length - 1) {
                k.layerNorm(xs, w.toNd4j(DataType.FLOAT), null, eps, forward, stats);
            } else {
                k.layerNormInner(xs, axis, w.toNd4j(DataType.FLOAT), null, eps, forward, stats);
            }
        }
        if (axis == shape.length - 1) {
            k.layerNormBackward(xs, w.toNd4j(DataType.FLOAT), dy.toNd4j(DataType.FLOAT), eps, dx, dw, db, stats);
        } else {
            k.layerNormInnerBackward(xs, axis, w.toNd4j(DataType.FLOAT), dy.toNd4j(DataType.FLOAT), eps, dx, dw, db,
                    stats);
        }
        double h = 1e-5;
        double[][] targets = {x.v, w.v, b};
        double[][] got = {Dense.of(dx).v, Dense.of(dw).v, Dense.of(db).v};
        String[] names = {"dx", "dw", "db"};
        for (int t = 0; t < 3; t++) {
            double[] p = targets[t];
            for (int i = 0; i < p.length; i++) {
                double keep = p[i];
                p[i] = keep + h;
                double up = layerNormLoss(x, w.v, b, dy, axis, eps);
                p[i] = keep - h;
                double down = layerNormLoss(x, w.v, b, dy, axis, eps);
                p[i] = keep;
                assertEquals((up - down) / (2 * h), got[t][i], 2e-5,
                        names[t] + "[" + i + "] of axis " + axis + (savedStatistics ? ", saved statistics" : ""));
            }
        }
    }

    /** {@code sum(dy * LayerNorm(x))} over {@code axis}, by moving the axis last for the reference. */
    private static double layerNormLoss(Dense x, double[] w, double[] b, Dense dy, int axis, double eps) {
        int c = x.shape[axis];
        int inner = 1;
        for (int d = axis + 1; d < x.shape.length; d++) {
            inner *= x.shape[d];
        }
        int outer = x.v.length / (c * inner);
        Dense rows = new Dense(outer * inner, c);
        for (int o = 0; o < outer; o++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < inner; i++) {
                    rows.v[(o * inner + i) * c + ch] = x.v[(o * c + ch) * inner + i];
                }
            }
        }
        Dense y = Reference.layerNormLast(rows, w, b, eps);
        double loss = 0;
        for (int o = 0; o < outer; o++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < inner; i++) {
                    loss += dy.v[(o * c + ch) * inner + i] * y.v[(o * inner + i) * c + ch];
                }
            }
        }
        return loss;
    }

    /** {@code d} with every value rounded to float, so the double reference sees what the kernels see. */
    private static Dense roundedToFloat(Dense d) {
        for (int i = 0; i < d.v.length; i++) {
            d.v[i] = (float) d.v[i];
        }
        return d;
    }

    @Test
    void rowBiasAddsEachChannelsValueToItsPlaneLikeABroadcastAdd() {
        // 5 channels of 7x9 planes in 4 samples: 20 rows of 63, split over three threads when long enough
        for (int[] shape : new int[][] {{4, 5, 7, 9}, {3, 6, 70, 70}}) {
            INDArray y = Dense.uniform(shape[1], -1, 1, shape).toNd4j(DataType.FLOAT);
            INDArray bias = Dense.uniform(shape[2], -1, 1, shape[1]).toNd4j(DataType.FLOAT);
            INDArray want = y.reshape(shape[0], shape[1], shape[2] * shape[3])
                    .add(bias.reshape(1, shape[1], 1)).reshape(shape);
            new FloatKernels(new ParallelRanges(3)).addRowBias(y, bias.toFloatVector(), shape[2] * shape[3]);
            assertEquals(0.0, want.sub(y).amaxNumber().doubleValue(), 1e-6, Arrays.toString(shape));
        }
    }

    @Test
    void freshRowMajorArraysAreDenseWhateverTheirUnitDimensions() {
        // [1, 1, C, O] is every 1x1 convolution weight, [B, 1, C] a class token, [B, C, 1, 1] a pooled map
        for (long[] shape : new long[][] {{3, 5}, {1, 6, 8}, {1, 1, 4, 7}, {2, 1, 8}, {2, 8, 1, 1}}) {
            INDArray a = Nd4j.create(DataType.FLOAT, shape);
            assertTrue(FloatKernels.dense(a), "a fresh c-order " + Arrays.toString(shape) + " with strides "
                    + Arrays.toString(a.stride()) + " is not recognised as dense");
        }
        assertFalse(FloatKernels.dense(Nd4j.create(DataType.FLOAT, 4, 6).transpose()), "a transpose is dense");
        assertFalse(FloatKernels.dense(Nd4j.create(DataType.DOUBLE, 4, 6)), "a double array passes as float");
    }

    @Test
    void kernelsReadAndWriteViewsThatStartInsideTheirBuffer() {
        int c = 16;
        INDArray xs = Dense.uniform(1, -3, 3, 3, c).toNd4j(DataType.FLOAT);
        INDArray ws = Dense.uniform(2, 0.5, 1.5, 2, c).toNd4j(DataType.FLOAT);
        INDArray outs = Nd4j.create(DataType.FLOAT, 3, c);
        INDArray x = xs.getRow(2);
        INDArray w = ws.getRow(1);
        INDArray out = outs.getRow(1);
        assertTrue(x.offset() > 0 && w.offset() > 0 && out.offset() > 0, "precondition: the rows are offset views");
        FloatKernels k = new FloatKernels();

        k.layerNorm(x, w, null, 1e-5, out, null);
        Dense want = Reference.layerNormLast(Dense.of(x.reshape(1, c)), Dense.of(w).v, null, 1e-5);
        assertMaxAbs(want.v, Dense.of(out).v, 1e-5, "layerNorm");
        assertTrue(outs.getRow(0).sumNumber().doubleValue() == 0 && outs.getRow(2).sumNumber().doubleValue() == 0,
                "layerNorm wrote outside its output view");

        k.gelu(x, out);
        double[] g = Dense.of(x).v;
        for (int i = 0; i < g.length; i++) {
            g[i] = Reference.gelu(g[i]);
        }
        assertMaxAbs(g, Dense.of(out).v, 2e-6, "gelu");
    }

    private static void assertMaxAbs(double[] want, double[] got, double tol, String what) {
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol, what + " at " + i);
        }
    }

    @Test
    void kernelsSplitOverThreadsGiveTheOneThreadValuesExactly() {
        // larger than ParallelRanges.MIN_SPLIT, so that the three-thread kernels do split
        INDArray tokens = Dense.uniform(71, -3, 3, 5, 1100, 24).toNd4j(DataType.FLOAT); // 5500 rows of 24
        INDArray nchw = Dense.uniform(72, -3, 3, 3, 6, 90, 90).toNd4j(DataType.FLOAT); // 3 blocks of 6 x 8100
        INDArray w = Dense.uniform(73, 0.5, 1.5, 24).toNd4j(DataType.FLOAT);
        INDArray b = Dense.uniform(74, -0.5, 0.5, 24).toNd4j(DataType.FLOAT);
        INDArray wc = Dense.uniform(75, 0.5, 1.5, 6).toNd4j(DataType.FLOAT);
        FloatKernels one = new FloatKernels(new ParallelRanges(1));
        FloatKernels three = new FloatKernels(new ParallelRanges(3));
        INDArray grads = Dense.uniform(76, -1, 1, 5, 1100, 24).toNd4j(DataType.FLOAT);
        INDArray gradsNchw = Dense.uniform(77, -1, 1, 3, 6, 90, 90).toNd4j(DataType.FLOAT);
        INDArray[] want = new INDArray[7];
        INDArray[] got = new INDArray[7];
        INDArray[][] paramGrads = new INDArray[2][4];
        FloatKernels[] ks = {one, three};
        for (int i = 0; i < 2; i++) {
            INDArray[] r = i == 0 ? want : got;
            r[0] = tokens.like();
            ks[i].gelu(tokens, r[0]);
            r[1] = tokens.like();
            ks[i].erf(tokens, r[1]);
            // one thread: the backward computes the statistics again; three: it reads those of the forward
            float[] tokenStats = i == 0 ? null : FloatKernels.statistics(tokens.length(), 24);
            float[] nchwStats = i == 0 ? null : FloatKernels.statistics(nchw.length(), 6);
            r[2] = tokens.like();
            ks[i].layerNorm(tokens, w, b, 1e-5, r[2], tokenStats);
            r[3] = nchw.like();
            ks[i].layerNormInner(nchw, 1, wc, null, 1e-5, r[3], nchwStats);
            r[4] = tokens.like();
            ks[i].geluBackward(tokens, grads, r[4]);
            r[5] = tokens.like();
            INDArray[] pg = paramGrads[i];
            pg[0] = w.like();
            pg[1] = w.like();
            ks[i].layerNormBackward(tokens, w, grads, 1e-5, r[5], pg[0], pg[1], tokenStats);
            r[6] = nchw.like();
            pg[2] = wc.like();
            pg[3] = wc.like();
            ks[i].layerNormInnerBackward(nchw, 1, wc, gradsNchw, 1e-5, r[6], pg[2], pg[3], nchwStats);
        }
        for (int j = 0; j < 4; j++) {
            // the parameter gradients add the parts' sums in another order than one thread does
            INDArray a = paramGrads[0][j];
            double scale = a.amaxNumber().doubleValue();
            assertTrue(scale > 0.1, "parameter gradient " + j + " written");
            assertTrue(a.sub(paramGrads[1][j]).amaxNumber().doubleValue() <= 1e-5 * scale,
                    "parameter gradient " + j + " split over three threads");
        }
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], "kernel " + i + " split over three threads");
            assertTrue(want[i].amaxNumber().doubleValue() > 0.1, "kernel " + i + " wrote its output");
        }
    }

    @Test
    void rangesCoverEveryPositionOnceOnUnitBounds() {
        ParallelRanges p = new ParallelRanges(3);
        assertEquals(1, countParts(p, 1000, 7), "a short range runs inline");
        int n = ParallelRanges.MIN_SPLIT + 100;
        int[] seen = new int[n];
        java.util.List<int[]> parts = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        p.forRanges(n, 7, (from, end) -> {
            parts.add(new int[] {from, end});
            for (int i = from; i < end; i++) {
                seen[i]++;
            }
        });
        for (int i = 0; i < seen.length; i++) {
            assertEquals(1, seen[i], "position " + i);
        }
        assertTrue(parts.size() > 1, "the work was split");
        for (int[] part : parts) {
            assertEquals(0, part[0] % 7, "parts start on a unit bound");
        }
    }

    @Test
    void aFailingChunkFailsTheCallWhicheverThreadRanIt() {
        ParallelRanges p = new ParallelRanges(3);
        int n = ParallelRanges.MIN_SPLIT * 2;
        for (int bad : new int[] {0, n - 1}) {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> p.forRanges(n, 64, (from, end) -> {
                        if (from <= bad && bad < end) {
                            throw new ArithmeticException("chunk at " + from);
                        }
                    }));
            assertTrue(e.getCause() instanceof ArithmeticException, "the chunk's own exception: " + e.getCause());
        }
        int[] seen = new int[10];
        p.forTasks(10, (from, end) -> {
            for (int i = from; i < end; i++) {
                seen[i]++;
            }
        });
        assertEquals("[1, 1, 1, 1, 1, 1, 1, 1, 1, 1]", Arrays.toString(seen), "every task once");
    }

    private static int countParts(ParallelRanges p, int n, int unit) {
        java.util.concurrent.atomic.AtomicInteger parts = new java.util.concurrent.atomic.AtomicInteger();
        p.forRanges(n, unit, (from, end) -> parts.incrementAndGet());
        return parts.get();
    }
}
