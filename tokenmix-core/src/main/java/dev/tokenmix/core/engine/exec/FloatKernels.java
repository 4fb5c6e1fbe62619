package dev.tokenmix.core.engine.exec;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The fused float kernels of {@link PlanExecutor}: each reads its inputs once and writes its output once.
 *
 * <p>They run in Java on heap copies of the native buffers. The loops are plain multiply-adds over {@code float[]},
 * which HotSpot's C2 compiles to SIMD; the bulk copies between native memory and the heap run at memory speed. Each
 * kernel splits its rows over as many threads as ND4J's native code uses ({@link ParallelRanges}), so a
 * two-thread run is not held back by one-thread Java passes.
 * This replaces libnd4j's element-wise chains (exact GELU is five ops with a scalar {@code erf} loop, LayerNorm nine),
 * each of which reads and writes the whole tensor.
 */
final class FloatKernels {
    /** Elements per task of the element-wise kernels: large enough that splitting costs nothing measurable. */
    private static final int ELEMENTS_PER_TASK = 1 << 16;

    private final ParallelRanges parallel;
    private float[] a = new float[0];
    private float[] b = new float[0];

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
        int n = Math.toIntExact(x.length());
        float[] v = scratch(n);
        FloatBuffer in = view(x);
        FloatBuffer to = view(out);
        parallel.forRanges(n, ELEMENTS_PER_TASK, (from, end) -> {
            load(in, v, from, end);
            for (int i = from; i < end; i++) {
                float xi = v[i];
                v[i] = 0.5f * xi * (1f + erf(xi * 0.70710677f));
            }
            store(to, v, from, end);
        });
    }

    /** {@code out = erf(x)}; both dense, same length. */
    void erf(INDArray x, INDArray out) {
        int n = Math.toIntExact(x.length());
        float[] v = scratch(n);
        FloatBuffer in = view(x);
        FloatBuffer to = view(out);
        parallel.forRanges(n, ELEMENTS_PER_TASK, (from, end) -> {
            load(in, v, from, end);
            for (int i = from; i < end; i++) {
                v[i] = erf(v[i]);
            }
            store(to, v, from, end);
        });
    }

    /**
     * LayerNorm of every row of the last axis: {@code out = (x - mean) / sqrt(var + eps) * w + b}, where the
     * variance is the biased one (as PyTorch's); {@code w} and {@code b} may be null.
     */
    void layerNorm(INDArray x, INDArray w, INDArray bias, double eps, INDArray out) {
        int n = Math.toIntExact(x.length());
        int c = Math.toIntExact(x.size(x.rank() - 1));
        float[] v = scratch(n);
        float[] wb = weights(w, bias, c);
        float epsF = (float) eps;
        FloatBuffer in = view(x);
        FloatBuffer to = view(out);
        parallel.forRanges(n, c, (from, end) -> {
            load(in, v, from, end);
            float[] acc = new float[8];
            for (int row = from; row < end; row += c) {
                float mean = sum(v, row, c, acc) / c;
                float rstd = (float) (1.0 / Math.sqrt(sumSquares(v, row, c, mean, acc) / c + epsF));
                for (int j = 0; j < c; j++) {
                    v[row + j] = (v[row + j] - mean) * rstd * wb[j] + wb[c + j];
                }
            }
            store(to, v, from, end);
        });
    }

    private float[] scratch(int n) {
        if (a.length < n) {
            a = new float[n];
        }
        return a;
    }

    /**
     * LayerNorm over an inner {@code axis} of dense {@code x} (the channels of NCHW): for every position before and
     * after the axis, the statistics run over the axis' {@code C} entries, {@code inner} apart in memory. The loops
     * run along the contiguous inner positions, so each is a plain vector operation.
     */
    void layerNormInner(INDArray x, int axis, INDArray w, INDArray bias, double eps, INDArray out) {
        int n = Math.toIntExact(x.length());
        int c = Math.toIntExact(x.size(axis));
        int inner = 1;
        for (int d = axis + 1; d < x.rank(); d++) {
            inner = Math.multiplyExact(inner, Math.toIntExact(x.size(d)));
        }
        int span = inner;
        float[] v = scratch(n);
        float[] wb = weights(w, bias, c);
        float epsF = (float) eps;
        FloatBuffer in = view(x);
        FloatBuffer to = view(out);
        parallel.forRanges(n, c * inner, (from, end) -> {
            load(in, v, from, end);
            float[] mean = new float[span];
            float[] rstd = new float[span];
            for (int block = from; block < end; block += c * span) {
                java.util.Arrays.fill(mean, 0f);
                java.util.Arrays.fill(rstd, 0f);
                for (int ch = 0; ch < c; ch++) {
                    int at = block + ch * span;
                    for (int i = 0; i < span; i++) {
                        mean[i] += v[at + i];
                    }
                }
                for (int i = 0; i < span; i++) {
                    mean[i] /= c;
                }
                for (int ch = 0; ch < c; ch++) {
                    int at = block + ch * span;
                    for (int i = 0; i < span; i++) {
                        float d = v[at + i] - mean[i];
                        rstd[i] += d * d;
                    }
                }
                for (int i = 0; i < span; i++) {
                    rstd[i] = (float) (1.0 / Math.sqrt(rstd[i] / c + epsF));
                }
                for (int ch = 0; ch < c; ch++) {
                    int at = block + ch * span;
                    float g = wb[ch];
                    float sh = wb[c + ch];
                    for (int i = 0; i < span; i++) {
                        v[at + i] = (v[at + i] - mean[i]) * rstd[i] * g + sh;
                    }
                }
            }
            store(to, v, from, end);
        });
    }

    /** The weights then the biases in one array (ones and zeros where absent). */
    private float[] weights(INDArray w, INDArray bias, int c) {
        if (b.length < 2 * c) {
            b = new float[2 * c];
        }
        if (w == null) {
            java.util.Arrays.fill(b, 0, c, 1f);
        } else {
            view(w).get(b, 0, c);
        }
        if (bias == null) {
            java.util.Arrays.fill(b, c, 2 * c, 0f);
        } else {
            view(bias).get(b, c, c);
        }
        return b;
    }

    /**
     * The sum of {@code v[from .. from+n)}, in eight interleaved partial sums: independent chains that C2 turns
     * into SIMD lanes (one running sum is a chain of dependent additions and runs several times slower).
     */
    private static float sum(float[] v, int from, int n, float[] acc) {
        java.util.Arrays.fill(acc, 0f);
        int i = from;
        int end = from + n;
        for (; i + 8 <= end; i += 8) {
            for (int k = 0; k < 8; k++) {
                acc[k] += v[i + k];
            }
        }
        float s = 0f;
        for (; i < end; i++) {
            s += v[i];
        }
        return s + ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    }

    /** The sum of {@code (v[i] - mean)^2} over {@code [from, from+n)}, as {@link #sum}. */
    private static float sumSquares(float[] v, int from, int n, float mean, float[] acc) {
        java.util.Arrays.fill(acc, 0f);
        int i = from;
        int end = from + n;
        for (; i + 8 <= end; i += 8) {
            for (int k = 0; k < 8; k++) {
                float d = v[i + k] - mean;
                acc[k] += d * d;
            }
        }
        float s = 0f;
        for (; i < end; i++) {
            float d = v[i] - mean;
            s += d * d;
        }
        return s + ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    }

    /**
     * erf for float inputs: a rational approximation {@code z P(z^2) / Q(z^2)} on {@code z} clamped to [-4, 4]
     * (beyond which erf is 1 to float precision), with the coefficients used by Eigen's and XLA's float erf.
     * Maximum absolute error about 5e-7 against the double-precision erf; no branches, so C2 vectorises the loops
     * that call it.
     */
    static float erf(float x) {
        float z = Math.max(-4f, Math.min(4f, x));
        float z2 = z * z;
        float p = -2.72614225801306e-10f;
        p = p * z2 + 2.77068142495902e-08f;
        p = p * z2 - 2.10102402082508e-06f;
        p = p * z2 - 5.69250639462346e-05f;
        p = p * z2 - 7.34990630326855e-04f;
        p = p * z2 - 2.95459980854025e-03f;
        p = p * z2 - 1.60960333262415e-02f;
        float q = -1.45660718464996e-05f;
        q = q * z2 - 2.13374055278905e-04f;
        q = q * z2 - 1.68282697438203e-03f;
        q = q * z2 - 7.37332916720468e-03f;
        q = q * z2 - 1.42647390514189e-02f;
        return z * p / q;
    }

    /** Elements {@code [from, end)} of {@code in} into the same positions of {@code v}. */
    private static void load(FloatBuffer in, float[] v, int from, int end) {
        in.duplicate().position(from).get(v, from, end - from);
    }

    /** Positions {@code [from, end)} of {@code v} into the same elements of {@code out}. */
    private static void store(FloatBuffer out, float[] v, int from, int end) {
        out.duplicate().position(from).put(v, from, end - from);
    }

    /** The elements of dense {@code x} as a native-order float view of its buffer. */
    private static FloatBuffer view(INDArray x) {
        FloatBuffer all = x.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        int from = Math.toIntExact(x.offset());
        return all.position(from).limit(from + Math.toIntExact(x.length())).slice();
    }
}
