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

/** The fused float kernels: erf against a double-precision erf, the density test, views with an offset. */
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

        k.layerNorm(x, w, null, 1e-5, out);
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
        INDArray[] want = new INDArray[4];
        INDArray[] got = new INDArray[4];
        FloatKernels[] ks = {one, three};
        for (int i = 0; i < 2; i++) {
            INDArray[] r = i == 0 ? want : got;
            r[0] = tokens.like();
            ks[i].gelu(tokens, r[0]);
            r[1] = tokens.like();
            ks[i].erf(tokens, r[1]);
            r[2] = tokens.like();
            ks[i].layerNorm(tokens, w, b, 1e-5, r[2]);
            r[3] = nchw.like();
            ks[i].layerNormInner(nchw, 1, wc, null, 1e-5, r[3]);
        }
        for (int i = 0; i < 4; i++) {
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

    private static int countParts(ParallelRanges p, int n, int unit) {
        java.util.concurrent.atomic.AtomicInteger parts = new java.util.concurrent.atomic.AtomicInteger();
        p.forRanges(n, unit, (from, end) -> parts.incrementAndGet());
        return parts.get();
    }
}
