package dev.tokenmix.core.engine.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.testing.Dense;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/** The Java depthwise convolutions give libnd4j's {@code depthwise_conv2d} (NCHW) and {@code depthwise_conv2d_bp}. */
class DepthwiseKernelsTest {

    /** iArgs of a shape-keeping k x k depthwise convolution: kH, kW, sH, sW, pH, pW, dH, dW, mode, NHWC, format. */
    private static long[] iArgs(int k, boolean nhwc) {
        int p = (k - 1) / 2;
        return new long[] {k, k, 1, 1, p, p, 1, 1, 0, nhwc ? 1 : 0, 0};
    }

    @Test
    void forwardAndBackwardEqualLibnd4jsInBothLayouts() {
        for (boolean nhwc : new boolean[] {false, true}) {
            for (int k : new int[] {3, 5}) {
                for (boolean bias : new boolean[] {true, false}) {
                    check(nhwc, k, bias, 2, 5, 6, 7, new DepthwiseKernels(new ParallelRanges(1)));
                }
            }
        }
        check(false, 1, true, 2, 3, 4, 4, new DepthwiseKernels(new ParallelRanges(1))); // a 1x1 tap
        // 600 channels: NHWC rows run in chunks of 3 pixels, so a row of 7 is 3 + 3 + 1
        check(true, 3, true, 1, 4, 7, 600, new DepthwiseKernels(new ParallelRanges(1)));
    }

    @Test
    void aSplitOverThreadsGivesLibnd4jsValuesToo() {
        // 2 x 16 x 90 x 90: more positions than ParallelRanges.MIN_SPLIT, so the three-thread kernels split
        DepthwiseKernels three = new DepthwiseKernels(new ParallelRanges(3));
        check(false, 3, true, 2, 16, 90, 90, three);
        check(true, 5, true, 2, 90, 90, 16, three);
    }

    /** Dimensions in the layout's order: NCHW {@code d1 = C}, NHWC {@code d3 = C}. */
    private static void check(boolean nhwc, int k, boolean withBias, int b, int d1, int d2, int d3,
                              DepthwiseKernels kernels) {
        int c = nhwc ? d3 : d1;
        long seed = k * 10L + (nhwc ? 1 : 0) + (withBias ? 2 : 0);
        INDArray x = Dense.uniform(seed, -1, 1, b, d1, d2, d3).toNd4j(DataType.FLOAT);
        INDArray w = Dense.uniform(seed + 1, -1, 1, k, k, c, 1).toNd4j(DataType.FLOAT);
        INDArray bias = withBias ? Dense.uniform(seed + 2, -1, 1, c).toNd4j(DataType.FLOAT) : null;
        INDArray dy = Dense.uniform(seed + 3, -1, 1, b, d1, d2, d3).toNd4j(DataType.FLOAT);
        String what = (nhwc ? "NHWC" : "NCHW") + " " + k + "x" + k + (withBias ? " with bias" : "");
        assertTrue(DepthwiseKernels.supports(iArgs(k, nhwc), x, w), what + " is supported");

        INDArray want = x.like(); // libnd4j's forward, which also checks the inputs make sense to it
        INDArray[] fwdIn = withBias ? new INDArray[] {x, w, bias} : new INDArray[] {x, w};
        Nd4j.exec(DynamicCustomOp.builder("depthwise_conv2d").addInputs(fwdIn).addOutputs(want)
                .addIntegerArguments(ints(iArgs(k, nhwc))).build());
        if (!nhwc) {
            INDArray got = x.like();
            kernels.forwardNchw(x, w, bias, got);
            assertClose(want, got, 2e-6, what + " forward");
        }

        INDArray wantDx = x.like();
        INDArray wantDw = w.like();
        INDArray wantDb = withBias ? bias.like() : null;
        INDArray[] bpIn = withBias ? new INDArray[] {x, w, bias, dy} : new INDArray[] {x, w, dy};
        INDArray[] bpOut = withBias ? new INDArray[] {wantDx, wantDw, wantDb} : new INDArray[] {wantDx, wantDw};
        Nd4j.exec(DynamicCustomOp.builder("depthwise_conv2d_bp").addInputs(bpIn).addOutputs(bpOut)
                .addIntegerArguments(ints(iArgs(k, nhwc))).build());
        INDArray dx = x.like();
        INDArray dw = w.like();
        INDArray db = withBias ? bias.like() : null;
        if (nhwc) {
            kernels.backwardNhwc(x, w, dy, dx, dw, db);
        } else {
            kernels.backwardNchw(x, w, dy, dx, dw, db);
        }
        assertClose(wantDx, dx, 2e-6, what + " input gradient");
        // sums over every pixel of the batch, added in another order than libnd4j's
        assertClose(wantDw, dw, 2e-5, what + " weight gradient");
        if (withBias) {
            assertClose(wantDb, db, 2e-5, what + " bias gradient");
        }
    }

    private static int[] ints(long[] v) {
        return java.util.Arrays.stream(v).mapToInt(Math::toIntExact).toArray();
    }

    private static void assertClose(INDArray want, INDArray got, double tolerance, String what) {
        double scale = want.amaxNumber().doubleValue();
        assertTrue(scale > 0.1, what + ": a non-trivial reference");
        double diff = want.sub(got).amaxNumber().doubleValue();
        assertTrue(diff <= tolerance * Math.max(1, scale), what + ": max difference " + diff + " at scale " + scale);
    }

    @Test
    void onlyShapeKeepingStrideOneConvolutionsWithOneFilterPerChannelAreSupported() {
        INDArray x = Nd4j.create(DataType.FLOAT, 1, 4, 6, 6);
        INDArray w = Nd4j.create(DataType.FLOAT, 3, 3, 4, 1);
        assertTrue(DepthwiseKernels.supports(iArgs(3, false), x, w));
        long[] strided = iArgs(3, false);
        strided[2] = 2;
        strided[3] = 2;
        assertFalse(DepthwiseKernels.supports(strided, x, w), "stride 2");
        long[] unpadded = iArgs(3, false);
        unpadded[4] = 0;
        unpadded[5] = 0;
        assertFalse(DepthwiseKernels.supports(unpadded, x, w), "no padding");
        long[] dilated = iArgs(3, false);
        dilated[6] = 2;
        dilated[7] = 2;
        assertFalse(DepthwiseKernels.supports(dilated, x, w), "dilation 2");
        assertFalse(DepthwiseKernels.supports(iArgs(3, false), x, Nd4j.create(DataType.FLOAT, 3, 3, 4, 2)),
                "two filters per channel");
        assertFalse(DepthwiseKernels.supports(iArgs(3, true), x, w), "NHWC with 6 channels, weight for 4");
        assertFalse(DepthwiseKernels.supports(iArgs(3, false), x.castTo(DataType.DOUBLE), w), "double input");
        assertEquals(4, w.size(2));
    }
}
