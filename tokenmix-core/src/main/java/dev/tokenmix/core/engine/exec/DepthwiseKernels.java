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
 * arrays are indexed from the same offset. NHWC works on one image row at a time, {@code W * C} long, with each
 * tap's weights tiled along the row. The backward of the input is the forward with the filter turned by 180
 * degrees; the weight gradient is a dot product of the output gradient with each shifted window.
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
        float[] bias = b == null ? new float[g.c] : FloatKernels.vectorOr(b, g.c, 0f);
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
            float[] lanes = new float[8];
            float[][] weightAcc = new float[kk][g.n];
            float[] biasAcc = new float[g.n];
            float[] dwPart = new float[g.c * kk];
            float[] dbPart = new float[g.c];
            int channel = -1;
            for (int q = from / g.plane; q < end / g.plane; q++) {
                int c = q / batch;
                int at = ((q % batch) * g.c + c) * g.plane;
                if (c != channel) {
                    reduceChannel(channel, weightAcc, biasAcc, lanes, dwPart, dbPart);
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
            reduceChannel(channel, weightAcc, biasAcc, lanes, dwPart, dbPart);
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
    private static void reduceChannel(int c, float[][] weightAcc, float[] biasAcc, float[] lanes, float[] dw,
                                      float[] db) {
        if (c < 0) {
            return;
        }
        int kk = weightAcc.length;
        for (int t = 0; t < kk; t++) {
            dw[c * kk + t] += FloatKernels.sum(weightAcc[t], weightAcc[t].length, lanes);
            java.util.Arrays.fill(weightAcc[t], 0f);
        }
        db[c] += FloatKernels.sum(biasAcc, biasAcc.length, lanes);
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
        float[][] flipped = g.tiledTaps(w, true);
        int kk = g.k * g.k;
        FloatBuffer in = FloatKernels.view(x);
        FloatBuffer gin = FloatKernels.view(dy);
        FloatBuffer to = FloatKernels.view(dx);
        OrderedSums sums = new OrderedSums();
        parallel.forRanges(g.total(), g.row, (from, end) -> {
            RowScratch r = g.scratch();
            // dy placed kx pixels into a zero-bordered row, so that it lines up with the input pixels tap kx reads
            float[][] placed = new float[g.k][g.paddedRow];
            float[][] weightAcc = new float[kk][g.paddedRow];
            float[] biasAcc = new float[g.row];
            for (int at = from; at < end; at += g.row) {
                java.util.Arrays.fill(r.acc, 0f);
                g.convolve(gin, at, flipped, r);
                to.put(at, r.acc, 0, g.row);
                for (int kx = 0; kx < g.k; kx++) {
                    gin.get(at, placed[kx], kx * g.c, g.row);
                }
                addTo(biasAcc, placed[0], g.row);
                int y = (at / g.row) % g.h;
                for (int ky = 0; ky < g.k; ky++) {
                    int iy = y + ky - g.p;
                    if (iy < 0 || iy >= g.h) {
                        continue;
                    }
                    in.get(at + (iy - y) * g.row, r.padded, g.p * g.c, g.row);
                    for (int kx = 0; kx < g.k; kx++) {
                        multiplyAdd(weightAcc[ky * g.k + kx], placed[kx], r.padded, g.paddedRow);
                    }
                }
            }
            // each tap's products summed over the pixels of the padded row, per channel
            float[] dwPart = new float[kk * g.c];
            for (int t = 0; t < kk; t++) {
                for (int x0 = 0; x0 < g.paddedRow; x0 += g.c) {
                    for (int c = 0; c < g.c; c++) {
                        dwPart[t * g.c + c] += weightAcc[t][x0 + c];
                    }
                }
            }
            float[] dbPart = new float[g.c];
            for (int x0 = 0; x0 < g.row; x0 += g.c) {
                for (int c = 0; c < g.c; c++) {
                    dbPart[c] += biasAcc[x0 + c];
                }
            }
            sums.add(from, dwPart, dbPart);
        });
        FloatKernels.writeVector(dw, sums.total(0, kk * g.c));
        FloatKernels.writeVector(db, sums.total(1, g.c));
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

    /** The geometry of an NHWC depthwise convolution, one image row ({@code W * C} values) at a time. */
    private static final class Rows {
        final int h;
        final int w;
        final int c;
        final int k;
        final int p;
        final int row; // W * C
        final int paddedRow; // (W + 2p) * C
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
        }

        int total() {
            return Math.toIntExact(batch * h * row);
        }

        /** {@code v} ({@code C} values) repeated over {@code length} values. */
        float[] tile(float[] v, int length) {
            float[] out = new float[length];
            for (int x0 = 0; x0 < length; x0 += c) {
                System.arraycopy(v, 0, out, x0, c);
            }
            return out;
        }

        /**
         * Each tap's weights tiled along a padded row, {@code [k * k][(W + 2p) * C]}; turned by 180 degrees if
         * {@code flipped}.
         */
        float[][] tiledTaps(INDArray weight, boolean flipped) {
            int kk = k * k;
            float[] raw = FloatKernels.vectorOr(weight, kk * c, 0f); // [k, k, C]
            float[][] tiles = new float[kk][];
            for (int t = 0; t < kk; t++) {
                tiles[flipped ? kk - 1 - t : t] = tile(java.util.Arrays.copyOfRange(raw, t * c, (t + 1) * c),
                        paddedRow);
            }
            return tiles;
        }

        RowScratch scratch() {
            return new RowScratch(new float[paddedRow], new float[row], new float[row], new float[k][paddedRow]);
        }

        /**
         * {@code acc += sum over taps of w[t] * (input row shifted by tap t)} for the output row at {@code at}. Each
         * input row inside the image is loaded once into the interior of {@code padded} (whose border stays zero)
         * and multiplied by the tiled weights of its {@code k} taps in place, into one sum per horizontal offset
         * {@code kx} indexed by input pixel; the output adds those sums shifted by {@code kx} pixels, {@code k}
         * copies per row instead of {@code k * k}.
         */
        void convolve(FloatBuffer in, int at, float[][] tiles, RowScratch r) {
            int y = (at / row) % h;
            for (float[] s : r.byOffset) {
                java.util.Arrays.fill(s, 0f);
            }
            for (int ky = 0; ky < k; ky++) {
                int iy = y + ky - p;
                if (iy < 0 || iy >= h) {
                    continue;
                }
                in.get(at + (iy - y) * row, r.padded, p * c, row);
                for (int kx = 0; kx < k; kx++) {
                    multiplyAdd(r.byOffset[kx], tiles[ky * k + kx], r.padded, paddedRow);
                }
            }
            for (int kx = 0; kx < k; kx++) {
                System.arraycopy(r.byOffset[kx], kx * c, r.shifted, 0, row);
                addTo(r.acc, r.shifted, row);
            }
        }
    }

    /**
     * Per-thread scratch of the NHWC kernels: the zero-bordered input row, a shifted copy, the output row, and one
     * sum per horizontal tap offset.
     */
    private record RowScratch(float[] padded, float[] shifted, float[] acc, float[][] byOffset) {
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
