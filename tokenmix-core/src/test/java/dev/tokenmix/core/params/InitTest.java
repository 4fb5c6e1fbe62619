package dev.tokenmix.core.params;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** Initialisers: distributions, bounds, and seeding per key. */
class InitTest {

    static double[] sample(Init init, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        double[] v = new double[n];
        init.fill(v, shape, new SplittableRandom(17));
        return v;
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    static double std(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / v.length);
    }

    static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    @Test
    void truncNormalWithSmallStdIsAlmostNormal() {
        double[] v = sample(Init.truncNormal(0.02), 40000);
        assertEquals(0.02, std(v), 0.02 * 0.02);
        assertEquals(0.0, mean(v), 4 * 0.02 / Math.sqrt(v.length));
        assertTrue(maxAbs(v) <= 2.0);
    }

    @Test
    void truncNormalBoundsAreAbsolute() {
        // timm: N(0, 1) cut at the absolute values +-2, whose standard deviation is 0.8796
        double[] v = sample(Init.truncNormal(1.0), 40000);
        assertTrue(maxAbs(v) <= 2.0, "max " + maxAbs(v));
        assertTrue(maxAbs(v) > 1.95, "the tails near the bounds are missing");
        assertEquals(0.8796, std(v), 0.8796 * 0.02);
        // N(0, 1) cut at +-0.5: standard deviation 0.2838
        double[] w = sample(Init.truncNormal(1.0, -0.5, 0.5), 40000);
        assertTrue(maxAbs(w) <= 0.5);
        assertEquals(0.2838, std(w), 0.2838 * 0.02);
    }

    @Test
    void normalAndUniform() {
        double[] n = sample(Init.normal(0.5), 40000);
        assertEquals(0.5, std(n), 0.5 * 0.02);
        assertEquals(0.0, mean(n), 4 * 0.5 / Math.sqrt(n.length));
        double[] u = sample(Init.uniform(0.3), 40000);
        assertTrue(maxAbs(u) <= 0.3 && maxAbs(u) > 0.299);
        assertEquals(0.3 / Math.sqrt(3), std(u), 0.3 / Math.sqrt(3) * 0.02);
    }

    @Test
    void fanOutNormalUsesKernelTimesOutputChannelsOverGroups() {
        double[] v = sample(Init.fanOutNormal(1), 64, 8, 3, 3);
        assertEquals(Math.sqrt(2.0 / (3 * 3 * 64)), std(v), Math.sqrt(2.0 / (3 * 3 * 64)) * 0.05);
        double[] g = sample(Init.fanOutNormal(4), 64, 2, 3, 3);
        assertEquals(Math.sqrt(2.0 / (3 * 3 * 16)), std(g), Math.sqrt(2.0 / (3 * 3 * 16)) * 0.05);
        double[] lin = sample(Init.fanOutNormal(1), 200, 30);
        assertEquals(Math.sqrt(2.0 / 200), std(lin), Math.sqrt(2.0 / 200) * 0.05);
    }

    @Test
    void torchDefaultsAreUniformOverOneOverSqrtFanIn() {
        double[] w = sample(Init.torchDefault(), 100, 4, 3, 3); // fan_in 36
        double bound = 1 / Math.sqrt(36);
        assertTrue(maxAbs(w) <= bound && maxAbs(w) > 0.99 * bound, "max " + maxAbs(w) + " bound " + bound);
        double[] b = sample(Init.torchDefaultBias(25), 2000);
        assertTrue(maxAbs(b) <= 0.2 && maxAbs(b) > 0.198);
    }

    @Test
    void constants() {
        assertArrayEquals(new double[] {0, 0, 0}, sample(Init.zeros(), 3));
        assertArrayEquals(new double[] {1, 1}, sample(Init.ones(), 2));
        assertArrayEquals(new double[] {1e-5, 1e-5}, sample(Init.constant(1e-5), 2));
    }

    @Test
    void initialValuesDependOnSeedAndKeyButNotOnCreationOrder() {
        ParameterStore a = new ParameterStore(DataType.DOUBLE);
        Scope sa = Scope.root(a, 42);
        sa.parameter("blocks.0.weight", Init.normal(1), 3, 4);
        sa.child("blocks").child(1).parameter("weight", Init.normal(1), 3, 4);
        ParameterStore b = new ParameterStore(DataType.DOUBLE);
        Scope sb = Scope.root(b, 42);
        sb.child("blocks").child(1).parameter("weight", Init.normal(1), 3, 4);
        sb.parameter("extra", Init.normal(1), 7);
        sb.parameter("blocks.0.weight", Init.normal(1), 3, 4);
        assertEquals(a.array("blocks.0.weight"), b.array("blocks.0.weight"));
        assertEquals(a.array("blocks.1.weight"), b.array("blocks.1.weight"));
        assertFalse(a.array("blocks.0.weight").equals(a.array("blocks.1.weight")), "two keys drew the same values");
        ParameterStore c = new ParameterStore(DataType.DOUBLE);
        Scope.root(c, 43).parameter("blocks.0.weight", Init.normal(1), 3, 4);
        assertFalse(a.array("blocks.0.weight").equals(c.array("blocks.0.weight")), "the seed is ignored");
    }
}
