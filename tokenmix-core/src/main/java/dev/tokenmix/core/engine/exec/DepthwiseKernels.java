package dev.tokenmix.core.engine.exec;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Depthwise {@code k x k} convolutions (one filter per channel, odd {@code k}, stride 1, dilation 1, padding
 * {@code (k - 1) / 2} on every side: the shape-keeping convolutions of GLNet, PaCa-ViT and SWAT), forward and
 * on float arrays with weights in ND4J's depthwise layout {@code [k, k, C, 1]}: forward and backward on NCHW, the
 * backward on NHWC.
 *
 * <p>Why: on some of GLNet's and PaCa-ViT's shapes libnd4j 1.0.0-M2.1 is slow: its NCHW forward with 3x3 kernels
 * on grids of 28x28 and more took 1.3-2.6x as long as this one, its NCHW backward with 5x5 kernels 1.7-2.1x, its
 * NHWC backward up to 1.5x (batch 8, one thread). On small grids libnd4j is faster, so {@link PlanExecutor} uses
 * these kernels only where they measured faster.
 *
 * <p>How: every tap of the filter is a shift of the input. A plane (NCHW) is copied once into a zero-bordered
 * buffer whose rows are {@code W + 2p} wide; the output is computed in the same padded-width coordinates, where tap
 * {@code (ky, kx)} reads the buffer {@code ky * (W + 2p) + kx} positions further on. Each tap copies that shifted
 * window to an array of its own and adds it, scaled, to the output: C2 vectorises a multiply-add only when both
 * arrays are indexed from the same offset. NHWC works on chunks of whole pixels of one image row, with each tap's
 * weights tiled along the chunk. The backward of the input is the forward with the filter turned by 180 degrees;
 * the weight gradient multiplies the output gradient with each shifted window, summed element-wise and reduced
 * per channel at the end (C2 does not vectorise a float sum).
 */
final class DepthwiseKernels {
    private final ParallelRanges parallel;

    /** Kernels that split their work over the threads of {@link ParallelRanges#shared()}. */
    DepthwiseKernels() {
        this(ParallelRanges.shared());
    }

    DepthwiseKernels(ParallelRanges parallel) {
        this.parallel = parallel;
    }

    /**
     * Whether the ND4J depthwise op with integer arguments {@code iArgs} (kH, kW, sH, sW, pH, pW, dH, dW, padding
     * mode, NHWC, weight format) on {@code x} with weight {@code w} is one these kernels compute.
     *
     * @param iArgs the op's integer arguments
     * @param x the input
     * @param w the weight
     * @return true if it is
     */
    static boolean supports(long[] iArgs, INDArray x, INDArray w) {
        if (iArgs.length < 10 || x.rank() != 4 || w.rank() != 4 || x.dataType() != DataType.FLOAT
                || w.dataType() != DataType.FLOAT) {
            return false;
        }
        long k = iArgs[0];
        long pad = (k - 1) / 2;
        boolean shapeKeeping = k % 2 == 1 && iArgs[1] == k && iArgs[2] == 1 && iArgs[3] == 1 && iArgs[4] == pad
                && iArgs[5] == pad && iArgs[6] == 1 && iArgs[7] == 1 && iArgs[8] == 0
                && (iArgs.length < 11 || iArgs[10] == 0);
        long channels = iArgs[9] == 1 ? x.size(3) : x.size(1);
        return shapeKeeping && w.size(0) == k && w.size(1) == k && w.size(2) == channels && w.size(3) == 1;
    }

    /**
     * {@code out = depthwise(x, w) + b} on NCHW arrays, all dense.
     *
     * @param x the input {@code [B, C, H, W]}
     * @param w the weight {@code [k, k, C, 1]}
     * @param b the bias {@code [C]}, or null
     * @param out the output, the shape of {@code x}
     */
    void forwardNchw(INDArray x, INDArray w, INDArray b, INDArray out) {
        Planes g = new Planes(x, w);
        float[] taps = g.channelTaps(w, false);
        float[] bias = FloatKernels.vectorOr(b, g.c, 0f);
        FloatBuffer in = FloatKernels.view(x);
        FloatBuffer to = FloatKernels.view(out);
        parallel.forRanges(g.total(), g.plane, (from, end) -> {
            float[] padded = g.paddedPlane();
            float[] shifted = new float[g.n];
            float[] acc = new float[g.n];
            for (int at = from; at < end; at += g.plane) {
                int c = (at / g.plane) % g.c;
                g.pad(in, at, padded);
                java.util.Arrays.fill(acc, bias[c]);
                g.convolve(padded, taps, c, shifted, acc);
                g.unpad(acc, to, at);
            }
        });
    }

    /**
     * The backward of {@link #forwardNchw}: {@code dx}, and {@code dw} and {@code db} unless null, from the input,
     * the weight and the output gradient {@code dy}; all dense.
     *
     * @param x the input {@code [B, C, H, W]}
     * @param w the weight {@code [k, k, C, 1]}
     * @param dy the gradient of the output
     * @param dx the gradient of the input, written
     * @param dw the gradient of the weight, written, or null
     * @param db the gradient of the bias {@code [C]}, written, or null
     */
    void backwardNchw(INDArray x, INDArray w, INDArray dy, INDArray dx, INDArray dw, INDArray db) {
        Planes g = new Planes(x, w);
        float[] flipped = g.channelTaps(w, true);
        int kk = g.k * g.k;
        int batch = Math.toIntExact(g.batch);
        FloatBuffer in = FloatKernels.view(x);
        FloatBuffer gin = FloatKernels.view(dy);
        FloatBuffer to = FloatKernels.view(dx);
        OrderedSums sums = new OrderedSums();
        // planes in channel-major order (q = c * B + b), so that the weight gradient of a channel accumulates
        // element-wise over the batch and is reduced once per channel: C2 does not vectorise a float sum
        parallel.forRanges(g.total(), g.plane, (from, end) -> {
            float[] padded = g.paddedPlane();
            float[] paddedGrad = g.paddedPlane();
            float[] grad = new float[g.n];
            float[] shifted = new float[g.n];
            float[] acc = new float[g.n];
            float[][] weightAcc = new float[kk][g.n];
            float[] biasAcc = new float[g.n];
            float[] dwPart = new float[g.c * kk];
            float[] dbPart = new float[g.c];
            int channel = -1;
            for (int q = from / g.plane; q < end / g.plane; q++) {
                int c = q / batch;
                int at = ((q % batch) * g.c + c) * g.plane;
                if (c != channel) {
                    reduceChannel(channel, weightAcc, biasAcc, dwPart, dbPart);
                    channel = c;
                }
                g.pad(in, at, padded);
                g.pad(gin, at, paddedGrad);
                // dy in padded-width coordinates: the zero border supplies the columns past W
                System.arraycopy(paddedGrad, g.p * g.wp + g.p, grad, 0, g.n);
                addTo(biasAcc, grad, g.n);
                for (int t = 0; t < kk; t++) {
                    System.arraycopy(padded, g.shift(t), shifted, 0, g.n);
                    multiplyAdd(weightAcc[t], grad, shifted, g.n);
                }
                java.util.Arrays.fill(acc, 0f);
                g.convolve(paddedGrad, flipped, c, shifted, acc);
                g.unpad(acc, to, at);
            }
            reduceChannel(channel, weightAcc, biasAcc, dwPart, dbPart);
            sums.add(from, dwPart, dbPart);
        });
        float[] perChannel = sums.total(0, g.c * kk);
        float[] weightGrad = new float[g.c * kk]; // [k, k, C, 1]
        for (int c = 0; c < g.c; c++) {
            for (int t = 0; t < kk; t++) {
                weightGrad[t * g.c + c] = perChannel[c * kk + t];
            }
        }
        FloatKernels.writeVector(dw, weightGrad);
        FloatKernels.writeVector(db, sums.total(1, g.c));
    }

    /** Adds channel {@code c}'s element-wise sums into its gradients and clears them; nothing if {@code c < 0}. */
    private static void reduceChannel(int c, float[][] weightAcc, float[] biasAcc, float[] dw, float[] db) {
        if (c < 0) {
            return;
        }
        int kk = weightAcc.length;
        for (int t = 0; t < kk; t++) {
            dw[c * kk + t] += FloatKernels.sum(weightAcc[t], weightAcc[t].length);
            java.util.Arrays.fill(weightAcc[t], 0f);
        }
        db[c] += FloatKernels.sum(biasAcc, biasAcc.length);
        java.util.Arrays.fill(biasAcc, 0f);
    }

    /**
     * The backward of the NHWC convolution, as {@link #backwardNchw}. (Its forward is left to libnd4j, whose oneDNN
     * kernel in NHWC measured about 4x faster than this class's row scheme.)
     *
     * @param x the input {@code [B, H, W, C]}
     * @param w the weight {@code [k, k, C, 1]}
     * @param dy the gradient of the output
     * @param dx the gradient of the input, written
     * @param dw the gradient of the weight, written, or null
     * @param db the gradient of the bias {@code [C]}, written, or null
     */
    void backwardNhwc(INDArray x, INDArray w, INDArray dy, INDArray dx, INDArray dw, INDArray db) {
        Rows g = new Rows(x, w);
        int kk = g.k * g.k;
        float[][] flipped = g.tiledTaps(w, true);
        FloatBuffer in = FloatKernels.view(x);
        FloatBuffer gin = FloatKernels.view(dy);
        FloatBuffer to = FloatKernels.view(dx);
        OrderedSums sums = new OrderedSums();
        parallel.forRanges(g.total(), g.row, (from, end) -> {
            // dy and x rows y - p .. y + p, zero-bordered, in a ring: slot iy mod k holds the row starting at
            // flat position loaded[slot], so moving to the next output row loads one new row, not k
            float[][] gradRing = new float[g.k][g.paddedRow];
            float[][] inputRing = new float[g.k][g.paddedRow];
            int[] loaded = new int[g.k];
            java.util.Arrays.fill(loaded, -1);
            float[][] gradRows = new float[g.k][];
            float[][] inputRows = new float[g.k][];
            boolean[] inside = new boolean[g.k];
            float[] shifted = new float[g.chunk];
            float[] acc = new float[g.chunk];
            float[] grad = new float[g.chunk];
            // sums per position of a chunk: chunks start on pixel bounds, so position j is always channel j % C
            float[][] weightAcc = new float[kk][g.chunk];
            float[] biasAcc = new float[g.chunk];
            for (int at = from; at < end; at += g.row) {
                int y = (at / g.row) % g.h;
                for (int ky = 0; ky < g.k; ky++) {
                    int iy = y + ky - g.p;
                    inside[ky] = iy >= 0 && iy < g.h;
                    if (inside[ky]) {
                        int slot = Math.floorMod(iy, g.k);
                        int rowAt = at + (iy - y) * g.row;
                        if (loaded[slot] != rowAt) {
                            gin.get(rowAt, gradRing[slot], g.p * g.c, g.row);
                            in.get(rowAt, inputRing[slot], g.p * g.c, g.row);
                            loaded[slot] = rowAt;
                        }
                        gradRows[ky] = gradRing[slot];
                        inputRows[ky] = inputRing[slot];
                    }
                }
                for (int x0 = 0; x0 < g.row; x0 += g.chunk) {
                    int len = Math.min(g.chunk, g.row - x0);
                    java.util.Arrays.fill(acc, 0, len, 0f);
                    System.arraycopy(gradRows[g.p], g.p * g.c + x0, grad, 0, len); // dy of this row
                    addTo(biasAcc, grad, len);
                    for (int ky = 0; ky < g.k; ky++) {
                        if (!inside[ky]) {
                            continue;
                        }
                        for (int kx = 0; kx < g.k; kx++) {
                            int t = ky * g.k + kx;
                            // dx: the flipped filter over the dy rows; dw: dy against the shifted input
                            System.arraycopy(gradRows[ky], x0 + kx * g.c, shifted, 0, len);
                            multiplyAdd(acc, flipped[t], shifted, len);
                            System.arraycopy(inputRows[ky], x0 + kx * g.c, shifted, 0, len);
                            multiplyAdd(weightAcc[t], grad, shifted, len);
                        }
                    }
                    to.put(at + x0, acc, 0, len);
                }
            }
            float[] dwPart = new float[kk * g.c];
            for (int t = 0; t < kk; t++) {
                foldChannels(weightAcc[t], g.c, dwPart, t * g.c);
            }
            float[] dbPart = new float[g.c];
            foldChannels(biasAcc, g.c, dbPart, 0);
            sums.add(from, dwPart, dbPart);
        });
        FloatKernels.writeVector(dw, sums.total(0, kk * g.c));
        FloatKernels.writeVector(db, sums.total(1, g.c));
    }

    /** {@code out[at + c] += sum over pixels of v[pixel * C + c]}. */
    private static void foldChannels(float[] v, int c, float[] out, int at) {
        for (int x0 = 0; x0 < v.length; x0 += c) {
            for (int ch = 0; ch < c; ch++) {
                out[at + ch] += v[x0 + ch];
            }
        }
    }

    /** The geometry of an NCHW depthwise convolution, one plane at a time in padded-width coordinates. */
    private static final class Planes {
        final int c;
        final int h;
        final int w;
        final int k;
        final int p;
        final int wp; // padded row width W + 2p
        final int plane; // H * W
        final int n; // H * (W + 2p), the output in padded-width coordinates
        final long batch;

        Planes(INDArray x, INDArray weight) {
            batch = x.size(0);
            c = Math.toIntExact(x.size(1));
            h = Math.toIntExact(x.size(2));
            w = Math.toIntExact(x.size(3));
            k = Math.toIntExact(weight.size(0));
            p = (k - 1) / 2;
            wp = w + 2 * p;
            plane = h * w;
            n = h * wp;
        }

        int total() {
            return Math.toIntExact(batch * c * plane);
        }

        /** A zeroed buffer for one padded plane, with room for the last tap's shifted window. */
        float[] paddedPlane() {
            return new float[(h + 2 * p) * wp + 2 * p];
        }

        /** Where tap {@code t = ky * k + kx} reads, relative to the output position. */
        int shift(int t) {
            return (t / k) * wp + t % k;
        }

        /** The plane at {@code at} into the interior of {@code padded}; the border stays zero. */
        void pad(FloatBuffer in, int at, float[] padded) {
            for (int y = 0; y < h; y++) {
                in.get(at + y * w, padded, (y + p) * wp + p, w);
            }
        }

        /** The first {@code W} of every padded-width row of {@code acc} to the plane at {@code at}. */
        void unpad(float[] acc, FloatBuffer out, int at) {
            for (int y = 0; y < h; y++) {
                out.put(at + y * w, acc, y * wp, w);
            }
        }

        /** {@code acc += sum over taps of taps[c][t] * (padded shifted by tap t)}. */
        void convolve(float[] padded, float[] taps, int c, float[] shifted, float[] acc) {
            int kk = k * k;
            for (int t = 0; t < kk; t++) {
                System.arraycopy(padded, shift(t), shifted, 0, n);
                scaleAdd(acc, shifted, taps[c * kk + t], n);
            }
        }

        /** The taps of every channel, {@code [C][k * k]}; turned by 180 degrees if {@code flipped}. */
        float[] channelTaps(INDArray weight, boolean flipped) {
            int kk = k * k;
            float[] raw = FloatKernels.vectorOr(weight, kk * c, 0f); // [k, k, C]
            float[] taps = new float[c * kk];
            for (int t = 0; t < kk; t++) {
                for (int ch = 0; ch < c; ch++) {
                    taps[ch * kk + (flipped ? kk - 1 - t : t)] = raw[t * c + ch];
                }
            }
            return taps;
        }
    }

    /**
     * The geometry of an NHWC depthwise convolution: one image row ({@code W * C} values) at a time, in chunks of
     * whole pixels small enough for the first-level cache.
     */
    private static final class Rows {
        /** About this many values per chunk (a multiple of {@code C}, at least one pixel). */
        private static final int CHUNK_VALUES = 2048;

        final int h;
        final int w;
        final int c;
        final int k;
        final int p;
        final int row; // W * C
        final int paddedRow; // (W + 2p) * C
        final int chunk; // whole pixels, at most a row
        final long batch;

        Rows(INDArray x, INDArray weight) {
            batch = x.size(0);
            h = Math.toIntExact(x.size(1));
            w = Math.toIntExact(x.size(2));
            c = Math.toIntExact(x.size(3));
            k = Math.toIntExact(weight.size(0));
            p = (k - 1) / 2;
            row = w * c;
            paddedRow = (w + 2 * p) * c;
            chunk = Math.min(w, Math.max(1, CHUNK_VALUES / c)) * c;
        }

        int total() {
            return Math.toIntExact(batch * h * row);
        }

        /**
         * Each tap's weights ({@code C} values) repeated over a chunk, {@code [k * k][chunk]}; turned by 180
         * degrees if {@code flipped}.
         */
        float[][] tiledTaps(INDArray weight, boolean flipped) {
            int kk = k * k;
            float[] raw = FloatKernels.vectorOr(weight, kk * c, 0f); // [k, k, C]
            float[][] tiles = new float[kk][chunk];
            for (int t = 0; t < kk; t++) {
                float[] tile = tiles[flipped ? kk - 1 - t : t];
                for (int x0 = 0; x0 < chunk; x0 += c) {
                    System.arraycopy(raw, t * c, tile, x0, c);
                }
            }
            return tiles;
        }
    }

    /** {@code acc[i] += s * v[i]}. */
    private static void scaleAdd(float[] acc, float[] v, float s, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] += s * v[i];
        }
    }

    /** {@code acc[i] += a[i] * b[i]}. */
    private static void multiplyAdd(float[] acc, float[] a, float[] b, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] += a[i] * b[i];
        }
    }

    /** {@code acc[i] += v[i]}. */
    private static void addTo(float[] acc, float[] v, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] += v[i];
        }
    }
}
