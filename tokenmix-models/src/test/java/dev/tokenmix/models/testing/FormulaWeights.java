package dev.tokenmix.models.testing;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * The deterministic "formula" generator of the parity fixtures (shared/fixtures/parity/formula.py): values that are
 * a pure function of a key and a flat index, so tests rebuild weights instead of shipping them.
 */
public final class FormulaWeights {
    private FormulaWeights() {
    }

    /** CRC-32 of the key's UTF-8 bytes, unsigned. */
    public static long crc32(String key) {
        CRC32 c = new CRC32();
        c.update(key.getBytes(StandardCharsets.UTF_8));
        return c.getValue();
    }

    /** {@code u_i} in [-1, 1) for i = 0..n-1: splitmix64 of {@code (crc32(key) << 32) + (i + 1) * golden}. */
    public static double[] uniform(String key, int n) {
        long seed = crc32(key) << 32;
        double[] u = new double[n];
        for (int i = 0; i < n; i++) {
            long z = seed + (i + 1L) * 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z = z ^ (z >>> 31);
            u[i] = 2.0 * (z >>> 11) * 0x1.0p-53 - 1.0;
        }
        return u;
    }

    /**
     * The parity fixtures' value of the tensor {@code key} with PyTorch shape {@code shape}, row-major, as float32
     * (shared/fixtures/parity/README.md): running_mean 0.1u; running_var 1 + 0.25(u + 1); rank >= 2
     * u * sqrt(3 / fan_in); rank <= 1 biases 0.02u; other rank <= 1 tensors 1 + 0.1u. {@code num_batches_tracked}
     * is 0; PaCa's {@code blur_filter} buffers are not formula values (callers keep them).
     */
    public static float[] tensor(String key, long[] shape) {
        long numel = 1;
        for (long d : shape) {
            numel *= d;
        }
        float[] out = new float[Math.toIntExact(numel)];
        if (key.endsWith("num_batches_tracked")) {
            return out;
        }
        double[] u = uniform(key, out.length);
        double scale = 0;
        if (shape.length >= 2) {
            long fanIn = 1;
            for (int i = 1; i < shape.length; i++) {
                fanIn *= shape[i];
            }
            scale = Math.sqrt(3.0 / fanIn);
        }
        for (int i = 0; i < out.length; i++) {
            double v;
            if (key.endsWith("running_mean")) {
                v = 0.1 * u[i];
            } else if (key.endsWith("running_var")) {
                v = 1.0 + 0.25 * (u[i] + 1.0);
            } else if (shape.length >= 2) {
                v = u[i] * scale;
            } else if (key.endsWith("bias")) {
                v = 0.02 * u[i];
            } else {
                v = 1.0 + 0.1 * u[i];
            }
            out[i] = (float) v;
        }
        return out;
    }

    /** The fixtures' input {@code [n, 3, r, r]}: the same generator with key "input", values u. */
    public static float[] input(int n, int r) {
        double[] u = uniform("input", n * 3 * r * r);
        float[] out = new float[u.length];
        for (int i = 0; i < u.length; i++) {
            out[i] = (float) u[i];
        }
        return out;
    }
}
