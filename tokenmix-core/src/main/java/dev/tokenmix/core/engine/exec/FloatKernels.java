package dev.tokenmix.core.engine.exec;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The fused float kernels of {@link PlanExecutor}: each reads its inputs once and writes its output once.
 *
 * <p>They run in Java on heap copies of the native buffers. The loops are plain multiply-adds over {@code float[]},
 * which HotSpot's C2 compiles to SIMD; the bulk copies between native memory and the heap run at memory speed. C2
 * (JDK 17) vectorises a loop only when every array in it is indexed from the same offset and the body is small
 * enough to unroll: a loop reading {@code v[from + i]} and writing {@code out[i]}, or one computing {@code exp},
 * {@code erf} and a product at once, ran scalar and measured 7-20 times slower. So rows and chunks are copied into
 * small arrays of their own, and long computations are split into several loops over them. Each
 * kernel splits its rows over as many threads as ND4J's native code uses ({@link ParallelRanges}), so a
 * two-thread run is not held back by one-thread Java passes.
 * This replaces libnd4j's element-wise chains (exact GELU is five ops with a scalar {@code erf} loop, LayerNorm nine),
 * each of which reads and writes the whole tensor.
 */
final class FloatKernels {
    /** Elements per task of the element-wise kernels: large enough that splitting costs nothing measurable. */
    private static final int ELEMENTS_PER_TASK = 1 << 16;

    private final ParallelRanges parallel;

    /** Kernels that split their work over the threads of {@link ParallelRanges#shared()}. */
    FloatKernels() {
        this(ParallelRanges.shared());
    }

    FloatKernels(ParallelRanges parallel) {
        this.parallel = parallel;
    }

    /** Whether {@code x} is a dense row-major float array, the only layout the kernels read and write. */
    static boolean dense(INDArray x) {
        return x.dataType() == DataType.FLOAT && denseAnyType(x);
    }

    /** Whether {@code x} is a non-empty row-major array with no gaps, of any data type. */
    static boolean denseAnyType(INDArray x) {
        if (x.isEmpty()) {
            return false;
        }
        // row-major strides on every axis longer than 1 (ND4J's own check rejects unit axes with repeated strides)
        long expected = 1;
        for (int d = x.rank() - 1; d >= 0; d--) {
            if (x.size(d) > 1 && x.stride(d) != expected) {
                return false;
            }
            expected *= x.size(d);
        }
        return true;
    }

    /** {@code out = 0.5 x (1 + erf(x / sqrt 2))}; both dense, same length. */
    void gelu(INDArray x, INDArray out) {
        mapChunks(x, out, FloatKernels::geluInPlace);
    }

    private static void geluInPlace(float[] v, int len) {
        for (int i = 0; i < len; i++) {
            float xi = v[i];
            v[i] = 0.5f * xi * (1f + erf(xi * 0.70710677f));
        }
    }

    /** {@code out = erf(x)}; both dense, same length. */
    void erf(INDArray x, INDArray out) {
        mapChunks(x, out, FloatKernels::erfInPlace);
    }

    private static void erfInPlace(float[] v, int len) {
        for (int i = 0; i < len; i++) {
            v[i] = erf(v[i]);
        }
    }

    /**
     * {@code y[r, :] += bias[r % bias.length]} over the consecutive rows of {@code rowLength} values of dense
     * {@code y}: a channel's bias over its NCHW planes. libnd4j's broadcast add along that middle axis measured 4-5x
     * slower (11.9 against 2.2 ms on {@code [8, 192, 3136]}, probe).
     */
    void addRowBias(INDArray y, float[] bias, int rowLength) {
        int n = Math.toIntExact(y.length());
        FloatBuffer v = view(y);
        parallel.forRanges(n, rowLength, (from, end) -> {
            float[] row = new float[rowLength];
            for (int at = from; at < end; at += rowLength) {
                float b = bias[(at / rowLength) % bias.length];
                v.get(at, row, 0, rowLength);
                for (int j = 0; j < rowLength; j++) {
                    row[j] += b;
                }
                v.put(at, row, 0, rowLength);
            }
        });
    }

    /** An element-wise function applied in place to the first {@code len} values of a chunk. */
    @FunctionalInterface
    private interface ChunkFunction {
        void apply(float[] chunk, int len);
    }

    /**
     * {@code out = f(x)} element by element, both dense and of the same length, chunk by chunk: what a chunk reads
     * from native memory is still in the cache when it is written back. {@code f} is called once per chunk, so its
     * own loop is what C2 compiles and vectorises.
     */
    private void mapChunks(INDArray x, INDArray out, ChunkFunction f) {
        int n = Math.toIntExact(x.length());
        FloatBuffer in = view(x);
        FloatBuffer to = view(out);
        parallel.forRanges(n, ELEMENTS_PER_TASK, (from, end) -> {
            float[] v = new float[CHUNK];
            for (int at = from; at < end; at += CHUNK) {
                int len = Math.min(CHUNK, end - at);
                in.get(at, v, 0, len);
                f.apply(v, len);
                to.put(at, v, 0, len);
            }
        });
    }

    /**
     * The backward of exact GELU: {@code out = dy (Phi(x) + x phi(x))}, with {@code Phi} the standard normal
     * distribution function and {@code phi} its density; all dense, same length.
     */
    void geluBackward(INDArray x, INDArray dy, INDArray out) {
        int n = Math.toIntExact(x.length());
        FloatBuffer in = view(x);
        FloatBuffer gin = view(dy);
        FloatBuffer to = view(out);
        parallel.forRanges(n, ELEMENTS_PER_TASK, (from, end) -> {
            float[] xs = new float[CHUNK];
            float[] gs = new float[CHUNK];
            float[] density = new float[CHUNK];
            float[] erf = new float[CHUNK];
            for (int at = from; at < end; at += CHUNK) {
                int len = Math.min(CHUNK, end - at);
                in.get(at, xs, 0, len);
                gin.get(at, gs, 0, len);
                halfGaussian(xs, len, density);
                erfHalfSqrt2(xs, len, erf);
                for (int i = 0; i < len; i++) {
                    gs[i] *= geluDerivative(xs[i], erf[i], density[i]);
                }
                to.put(at, gs, 0, len);
            }
        });
    }

    /**
     * {@code out[i] = exp(-x^2 / 2)} for {@code x = v[i]}, as {@code exp(u)^32} with {@code u = -x^2 / 64}: a
     * degree-8 Taylor polynomial on {@code u} in [-0.625, 0] and five squarings, all multiply-adds that C2
     * vectorises. Relative error below 4e-6 for {@code |x| < 6.3}; beyond, the exponent is clamped at -20, where
     * {@code x exp(-x^2 / 2)} is below a float's resolution next to GELU's {@code Phi(x)}. It replaced Cephes'
     * {@code expf} reduction, whose power of two needs float-to-int bit moves that C2 leaves scalar: 1.58 against
     * 0.58 ns per element (probe).
     */
    private static void halfGaussian(float[] v, int len, float[] out) {
        for (int i = 0; i < len; i++) {
            float x = v[i];
            float u = Math.max(-20f, -0.5f * x * x) * 0.03125f;
            float p = 2.4801587e-5f; // 1/8!
            p = Math.fma(p, u, 1.9841270e-4f);
            p = Math.fma(p, u, 1.3888889e-3f);
            p = Math.fma(p, u, 8.3333333e-3f);
            p = Math.fma(p, u, 4.1666667e-2f);
            p = Math.fma(p, u, 1.6666667e-1f);
            p = Math.fma(p, u, 0.5f);
            p = Math.fma(p, u, 1f);
            p = Math.fma(p, u, 1f);
            p = p * p;
            p = p * p;
            p = p * p;
            p = p * p;
            out[i] = p * p;
        }
    }

    /**
     * GELU for a graph that also runs its backward: {@code out = 0.5 x (1 + erf(x / sqrt 2))}, and {@code x} is
     * overwritten with the derivative {@code Phi(x) + x phi(x)}, which one multiply by the output gradient then
     * turns into the input gradient. The forward already has {@code erf}, so the derivative costs the density and a
     * multiply-add here, where {@link #geluBackward} would compute both again from {@code x}. Both dense, same
     * length.
     */
    void geluKeepingDerivative(INDArray x, INDArray out) {
        int n = Math.toIntExact(x.length());
        FloatBuffer in = view(x);
        FloatBuffer to = view(out);
        parallel.forRanges(n, ELEMENTS_PER_TASK, (from, end) -> {
            float[] xs = new float[CHUNK];
            float[] ys = new float[CHUNK];
            float[] density = new float[CHUNK];
            for (int at = from; at < end; at += CHUNK) {
                int len = Math.min(CHUNK, end - at);
                in.get(at, xs, 0, len);
                halfGaussian(xs, len, density);
                erfHalfSqrt2(xs, len, ys);
                for (int i = 0; i < len; i++) {
                    float xi = xs[i];
                    xs[i] = geluDerivative(xi, ys[i], density[i]);
                    ys[i] = 0.5f * xi * (1f + ys[i]);
                }
                to.put(at, ys, 0, len);
                in.put(at, xs, 0, len);
            }
        });
    }

    /**
     * The backward of a softmax over the last axis from its output: {@code dx = y (dy - sum(dy y))} on each row.
     * libnd4j's {@code softmax_bp} takes the softmax's input and computes the softmax again, exponentials
     * included. All dense, same shape.
     */
    void softmaxBackward(INDArray y, INDArray dy, INDArray dx) {
        int n = Math.toIntExact(y.length());
        int c = Math.toIntExact(y.size(y.rank() - 1));
        FloatBuffer ys = view(y);
        FloatBuffer gs = view(dy);
        FloatBuffer to = view(dx);
        parallel.forRanges(n, c, (from, end) -> {
            float[] yr = new float[c];
            float[] gr = new float[c];
            for (int at = from; at < end; at += c) {
                ys.get(at, yr, 0, c);
                gs.get(at, gr, 0, c);
                float s = dot(gr, yr, c);
                for (int j = 0; j < c; j++) {
                    gr[j] = yr[j] * (gr[j] - s);
                }
                to.put(at, gr, 0, c);
            }
        });
    }

    /**
     * GELU's derivative {@code Phi(x) + x phi(x)} at {@code x}, from {@code erf(x / sqrt 2)} and
     * {@code exp(-x^2 / 2)} ({@link #halfGaussian}).
     */
    private static float geluDerivative(float x, float erfHalfSqrt2, float halfGaussian) {
        return 0.5f * (1f + erfHalfSqrt2) + x * halfGaussian * INV_SQRT_2PI;
    }

    /** {@code out[i] = erf(v[i] / sqrt 2)}. */
    private static void erfHalfSqrt2(float[] v, int len, float[] out) {
        for (int i = 0; i < len; i++) {
            out[i] = erf(v[i] * 0.70710677f);
        }
    }

    /**
     * A buffer for the statistics of a LayerNorm over {@code c} entries of the {@code n} values of its input: the
     * means of its {@code n / c} positions (rows, or NCHW pixels), then their inverse deviations.
     */
    static float[] statistics(long n, long c) {
        return new float[Math.toIntExact(2 * (n / c))];
    }

    /**
     * LayerNorm of every row of the last axis: {@code out = (x - mean) / sqrt(var + eps) * w + b}, where the
     * variance is the biased one (as PyTorch's); {@code w} and {@code b} may be null. Unless {@code stats} is null,
     * each row's mean and inverse deviation are kept for the backward, as {@link #statistics} lays them out.
     */
    void layerNorm(INDArray x, INDArray w, INDArray bias, double eps, INDArray out, float[] stats) {
        int n = Math.toIntExact(x.length());
        int c = Math.toIntExact(x.size(x.rank() - 1));
        float[] weight = vectorOr(w, c, 1f);
        float[] shift = vectorOr(bias, c, 0f);
        float epsF = (float) eps;
        FloatBuffer in = view(x);
        FloatBuffer to = view(out);
        parallel.forRanges(n, c, (from, end) -> {
            float[] row = new float[c];
            for (int at = from; at < end; at += c) {
                in.get(at, row, 0, c);
                float mean = sum(row, c) / c;
                float rstd = inverseDeviation(sumSquares(row, c, mean) / c, epsF);
                if (stats != null) {
                    stats[at / c] = mean;
                    stats[n / c + at / c] = rstd;
                }
                for (int j = 0; j < c; j++) {
                    row[j] = (row[j] - mean) * rstd * weight[j] + shift[j];
                }
                to.put(at, row, 0, c);
            }
        });
    }

    /**
     * The backward of {@link #layerNorm}: from the input {@code x}, the weight {@code w} (null for none) and the
     * incoming gradient {@code dy}, writes {@code dx}, and the weight and bias gradients {@code dw} and {@code db}
     * unless null. With {@code xhat = (x - mean) rstd} and {@code g = dy w} on a row,
     * {@code dx = rstd (g - mean(g) - xhat mean(g xhat))}; {@code dw} sums {@code dy xhat} and {@code db} sums
     * {@code dy} over the rows. All dense. {@code stats}: the forward's statistics ({@link #statistics}), or null to
     * compute them again; reading them measured a quarter faster (probe, rows of 96 to 384).
     */
    void layerNormBackward(INDArray x, INDArray w, INDArray dy, double eps, INDArray dx, INDArray dw,
                           INDArray db, float[] stats) {
        int n = Math.toIntExact(x.length());
        int c = Math.toIntExact(x.size(x.rank() - 1));
        float[] weight = vectorOr(w, c, 1f);
        float epsF = (float) eps;
        FloatBuffer in = view(x);
        FloatBuffer gin = view(dy);
        FloatBuffer to = view(dx);
        OrderedSums sums = new OrderedSums();
        parallel.forRanges(n, c, (from, end) -> {
            float[] xr = new float[c];
            float[] gr = new float[c];
            float[] t = new float[c];
            float[] sw = new float[c];
            float[] sb = new float[c];
            for (int at = from; at < end; at += c) {
                in.get(at, xr, 0, c);
                gin.get(at, gr, 0, c);
                float mean;
                float rstd;
                if (stats != null) {
                    mean = stats[at / c];
                    rstd = stats[n / c + at / c];
                } else {
                    mean = sum(xr, c) / c;
                    rstd = inverseDeviation(sumSquares(xr, c, mean) / c, epsF);
                }
                for (int j = 0; j < c; j++) {
                    float xhat = (xr[j] - mean) * rstd;
                    xr[j] = xhat;
                    sw[j] += gr[j] * xhat;
                    sb[j] += gr[j];
                    t[j] = gr[j] * weight[j];
                }
                float meanG = sum(t, c) / c;
                float meanGx = dot(t, xr, c) / c;
                for (int j = 0; j < c; j++) {
                    gr[j] = rstd * (t[j] - meanG - xr[j] * meanGx);
                }
                to.put(at, gr, 0, c);
            }
            sums.add(from, sw, sb);
        });
        writeVector(dw, sums.total(0, c));
        writeVector(db, sums.total(1, c));
    }

    /**
     * LayerNorm over an inner {@code axis} of dense {@code x} (the channels of NCHW): for every position before and
     * after the axis, the statistics run over the axis' {@code C} entries, {@code inner} apart in memory. The loops
     * run along the contiguous inner positions of one channel at a time, so each is a plain vector operation.
     * {@code stats} as in {@link #layerNorm}, one mean and inverse deviation per position.
     */
    void layerNormInner(INDArray x, int axis, INDArray w, INDArray bias, double eps, INDArray out, float[] stats) {
        int n = Math.toIntExact(x.length());
        int c = Math.toIntExact(x.size(axis));
        int span = innerSize(x, axis);
        float[] weight = vectorOr(w, c, 1f);
        float[] shift = vectorOr(bias, c, 0f);
        float epsF = (float) eps;
        FloatBuffer in = view(x);
        FloatBuffer to = view(out);
        parallel.forRanges(n, c * span, (from, end) -> {
            float[] mean = new float[span];
            float[] rstd = new float[span];
            float[] row = new float[span];
            for (int block = from; block < end; block += c * span) {
                innerStatistics(in, block, c, span, epsF, mean, rstd, row);
                if (stats != null) {
                    System.arraycopy(mean, 0, stats, block / c, span);
                    System.arraycopy(rstd, 0, stats, n / c + block / c, span);
                }
                for (int ch = 0; ch < c; ch++) {
                    int at = block + ch * span;
                    in.get(at, row, 0, span);
                    float g = weight[ch];
                    float sh = shift[ch];
                    for (int i = 0; i < span; i++) {
                        row[i] = (row[i] - mean[i]) * rstd[i] * g + sh;
                    }
                    to.put(at, row, 0, span);
                }
            }
        });
    }

    /**
     * The backward of {@link #layerNormInner}, as {@link #layerNormBackward} with the statistics over the channels
     * of {@code axis} for every inner position, read from {@code stats} unless it is null.
     */
    void layerNormInnerBackward(INDArray x, int axis, INDArray w, INDArray dy, double eps, INDArray dx,
                                INDArray dw, INDArray db, float[] stats) {
        int n = Math.toIntExact(x.length());
        int c = Math.toIntExact(x.size(axis));
        int span = innerSize(x, axis);
        float[] weight = vectorOr(w, c, 1f);
        float epsF = (float) eps;
        FloatBuffer in = view(x);
        FloatBuffer gin = view(dy);
        FloatBuffer to = view(dx);
        OrderedSums sums = new OrderedSums();
        parallel.forRanges(n, c * span, (from, end) -> {
            float[] mean = new float[span];
            float[] rstd = new float[span];
            float[] meanG = new float[span];
            float[] meanGx = new float[span];
            float[] xr = new float[span];
            float[] gr = new float[span];
            float[] sw = new float[c];
            float[] sb = new float[c];
            for (int block = from; block < end; block += c * span) {
                if (stats != null) {
                    System.arraycopy(stats, block / c, mean, 0, span);
                    System.arraycopy(stats, n / c + block / c, rstd, 0, span);
                } else {
                    innerStatistics(in, block, c, span, epsF, mean, rstd, xr);
                }
                java.util.Arrays.fill(meanG, 0f);
                java.util.Arrays.fill(meanGx, 0f);
                for (int ch = 0; ch < c; ch++) {
                    int at = block + ch * span;
                    in.get(at, xr, 0, span);
                    gin.get(at, gr, 0, span);
                    float wc = weight[ch];
                    for (int i = 0; i < span; i++) {
                        float xhat = (xr[i] - mean[i]) * rstd[i];
                        xr[i] = xhat;
                        float t = gr[i] * wc;
                        meanG[i] += t;
                        meanGx[i] += t * xhat;
                    }
                    sw[ch] += dot(gr, xr, span);
                    sb[ch] += sum(gr, span);
                }
                for (int i = 0; i < span; i++) {
                    meanG[i] /= c;
                    meanGx[i] /= c;
                }
                for (int ch = 0; ch < c; ch++) {
                    int at = block + ch * span;
                    in.get(at, xr, 0, span);
                    gin.get(at, gr, 0, span);
                    float wc = weight[ch];
                    for (int i = 0; i < span; i++) {
                        float xhat = (xr[i] - mean[i]) * rstd[i];
                        gr[i] = rstd[i] * (gr[i] * wc - meanG[i] - xhat * meanGx[i]);
                    }
                    to.put(at, gr, 0, span);
                }
            }
            sums.add(from, sw, sb);
        });
        writeVector(dw, sums.total(0, c));
        writeVector(db, sums.total(1, c));
    }

    /** The number of positions after {@code axis}: the distance between neighbouring entries along it. */
    private static int innerSize(INDArray x, int axis) {
        int inner = 1;
        for (int d = axis + 1; d < x.rank(); d++) {
            inner = Math.multiplyExact(inner, Math.toIntExact(x.size(d)));
        }
        return inner;
    }

    /**
     * The mean and {@code 1 / sqrt(var + eps)} over the {@code c} channels of the block at {@code block} (channel
     * {@code ch} of inner position {@code i} at {@code block + ch * span + i}), for each inner position; {@code row}
     * is scratch of {@code span} floats.
     */
    private static void innerStatistics(FloatBuffer in, int block, int c, int span, float eps, float[] mean,
                                        float[] rstd, float[] row) {
        java.util.Arrays.fill(mean, 0f);
        java.util.Arrays.fill(rstd, 0f);
        for (int ch = 0; ch < c; ch++) {
            in.get(block + ch * span, row, 0, span);
            for (int i = 0; i < span; i++) {
                mean[i] += row[i];
            }
        }
        for (int i = 0; i < span; i++) {
            mean[i] /= c;
        }
        for (int ch = 0; ch < c; ch++) {
            in.get(block + ch * span, row, 0, span);
            for (int i = 0; i < span; i++) {
                float d = row[i] - mean[i];
                rstd[i] += d * d;
            }
        }
        for (int i = 0; i < span; i++) {
            rstd[i] = inverseDeviation(rstd[i] / c, eps);
        }
    }

    private static float inverseDeviation(float variance, float eps) {
        return (float) (1.0 / Math.sqrt(variance + eps));
    }

    /** {@code values} into dense {@code v}, unless it is null. */
    static void writeVector(INDArray v, float[] values) {
        if (v != null) {
            view(v).put(values);
        }
    }

    /** The {@code c} values of {@code v}, or {@code c} copies of {@code fill} if it is null. */
    static float[] vectorOr(INDArray v, int c, float fill) {
        float[] out = new float[c];
        if (v == null) {
            java.util.Arrays.fill(out, fill);
        } else {
            view(v).get(out, 0, c);
        }
        return out;
    }

    /**
     * The sum of {@code v[0 .. n)}, in eight interleaved partial sums held in locals: independent chains of
     * additions (one running sum is a chain of dependent additions and runs several times slower). C2 never
     * vectorises a float sum; partial sums in an array of eight measured 0.67 ns per element against 0.36 in
     * locals, the array's loads and stores in every chain (probe, rows of 192).
     */
    static float sum(float[] v, int n) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            s0 += v[i];
            s1 += v[i + 1];
            s2 += v[i + 2];
            s3 += v[i + 3];
            s4 += v[i + 4];
            s5 += v[i + 5];
            s6 += v[i + 6];
            s7 += v[i + 7];
        }
        float s = 0f;
        for (; i < n; i++) {
            s += v[i];
        }
        return s + ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /** The sum of {@code p[i] * q[i]} over {@code [0, n)}, as {@link #sum}. */
    static float dot(float[] p, float[] q, int n) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            s0 += p[i] * q[i];
            s1 += p[i + 1] * q[i + 1];
            s2 += p[i + 2] * q[i + 2];
            s3 += p[i + 3] * q[i + 3];
            s4 += p[i + 4] * q[i + 4];
            s5 += p[i + 5] * q[i + 5];
            s6 += p[i + 6] * q[i + 6];
            s7 += p[i + 7] * q[i + 7];
        }
        float s = 0f;
        for (; i < n; i++) {
            s += p[i] * q[i];
        }
        return s + ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /** The sum of {@code (v[i] - mean)^2} over {@code [0, n)}, as {@link #sum}. */
    private static float sumSquares(float[] v, int n, float mean) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            float d0 = v[i] - mean;
            float d1 = v[i + 1] - mean;
            float d2 = v[i + 2] - mean;
            float d3 = v[i + 3] - mean;
            float d4 = v[i + 4] - mean;
            float d5 = v[i + 5] - mean;
            float d6 = v[i + 6] - mean;
            float d7 = v[i + 7] - mean;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
            s4 += d4 * d4;
            s5 += d5 * d5;
            s6 += d6 * d6;
            s7 += d7 * d7;
        }
        float s = 0f;
        for (; i < n; i++) {
            float d = v[i] - mean;
            s += d * d;
        }
        return s + ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /**
     * Elements per chunk of the element-wise kernels: what a chunk reads from native memory is still in the cache
     * when its result is written back (4096 measured faster than 1024 and than whole ranges).
     */
    private static final int CHUNK = 4096;
    private static final float INV_SQRT_2PI = 0.3989422804f;

    /**
     * erf for float inputs: a rational approximation {@code z P(z^2) / Q(z^2)} on {@code z} clamped to [-4, 4]
     * (beyond which erf is 1 to float precision), with the coefficients used by Eigen's and XLA's float erf.
     * Maximum absolute error about 5e-7 against the double-precision erf; no branches, so C2 vectorises the loops
     * that call it. Horner steps as {@code Math.fma}, which C2 compiles to vector FMA instructions: the erf loop
     * went from 0.97 to 0.68 ns per element (probe). Every CPU the AVX2 build of libnd4j runs on has FMA.
     */
    static float erf(float x) {
        float z = Math.max(-4f, Math.min(4f, x));
        float z2 = z * z;
        float p = -2.72614225801306e-10f;
        p = Math.fma(p, z2, 2.77068142495902e-08f);
        p = Math.fma(p, z2, -2.10102402082508e-06f);
        p = Math.fma(p, z2, -5.69250639462346e-05f);
        p = Math.fma(p, z2, -7.34990630326855e-04f);
        p = Math.fma(p, z2, -2.95459980854025e-03f);
        p = Math.fma(p, z2, -1.60960333262415e-02f);
        float q = -1.45660718464996e-05f;
        q = Math.fma(q, z2, -2.13374055278905e-04f);
        q = Math.fma(q, z2, -1.68282697438203e-03f);
        q = Math.fma(q, z2, -7.37332916720468e-03f);
        q = Math.fma(q, z2, -1.42647390514189e-02f);
        return z * p / q;
    }

    /** The elements of dense {@code x} as a native-order float view of its buffer. */
    static FloatBuffer view(INDArray x) {
        FloatBuffer all = x.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        int from = Math.toIntExact(x.offset());
        return all.position(from).limit(from + Math.toIntExact(x.length())).slice();
    }
}
