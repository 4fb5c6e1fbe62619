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
}
