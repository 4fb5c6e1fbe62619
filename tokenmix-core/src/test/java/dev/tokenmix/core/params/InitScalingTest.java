package dev.tokenmix.core.params;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fan-scaled initialisers against their PyTorch/timm definitions (moments of a large sample, bounds). */
class InitScalingTest {

    static double std(double[] v) {
        double m = 0;
        for (double x : v) {
            m += x;
        }
        m /= v.length;
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / v.length);
    }

    @Test
    void lecunNormalHasStdOneOverSqrtFanInDividedByTheTruncationFactor() {
        long[] shape = {64, 16, 3, 3}; // fan_in 144
        double[] v = new double[64 * 16 * 9];
        Init.lecunNormal().fill(v, shape, new SplittableRandom(1));
        // timm divides by 0.8796 (the std of a unit normal cut at ±2) but cuts at ±2 absolute, so with a small std the
        // sample std stays sqrt(1/fan_in) / 0.8796
        assertEquals(Math.sqrt(1.0 / 144) / 0.87962566103423978, std(v), 0.03 * std(v));
        for (double x : v) {
            assertTrue(Math.abs(x) <= 2.0);
        }
    }

    @Test
    void xavierUniformIsBoundedBySqrtSixOverFanInPlusFanOut() {
        long[] shape = {30, 20, 2, 2}; // fan_in 80, fan_out 120
        double[] v = new double[30 * 20 * 4];
        Init.xavierUniform().fill(v, shape, new SplittableRandom(2));
        double bound = Math.sqrt(6.0 / 200);
        double max = 0;
        for (double x : v) {
            max = Math.max(max, Math.abs(x));
        }
        assertTrue(max <= bound && max > 0.98 * bound, "max " + max + " vs bound " + bound);
        assertEquals(bound / Math.sqrt(3), std(v), 0.03 * bound);
    }
}
