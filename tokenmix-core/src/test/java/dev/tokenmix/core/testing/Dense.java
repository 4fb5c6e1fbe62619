package dev.tokenmix.core.testing;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A plain row-major double array with a shape, for reference computations written as Java loops, independent
 * of ND4J's arithmetic.
 */
public final class Dense {
    public final double[] v;
    public final int[] shape;
    private final int[] strides;

    public Dense(int... shape) {
        this(new double[count(shape)], shape);
    }

    public Dense(double[] v, int... shape) {
        if (v.length != count(shape)) {
            throw new IllegalArgumentException(v.length + " values for shape " + Arrays.toString(shape));
        }
        this.v = v;
        this.shape = shape.clone();
        this.strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= shape[i];
        }
    }

    /** Uniform in [lo, hi) from a seeded generator. */
    public static Dense uniform(long seed, double lo, double hi, int... shape) {
        Dense d = new Dense(shape);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < d.v.length; i++) {
            d.v[i] = lo + (hi - lo) * r.nextDouble();
        }
        return d;
    }

    /** Uniform in [-1, 1). */
    public static Dense random(long seed, int... shape) {
        return uniform(seed, -1, 1, shape);
    }

    public static Dense of(INDArray a) {
        long[] s = a.shape();
        int[] shape = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            shape[i] = Math.toIntExact(s[i]);
        }
        return new Dense(a.castTo(DataType.DOUBLE).dup('c').data().asDouble(), shape);
    }

    public INDArray toNd4j() {
        long[] s = new long[shape.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = shape[i];
        }
        return Nd4j.createFromArray(v.clone()).reshape('c', s);
    }

    public INDArray toNd4j(DataType dt) {
        return toNd4j().castTo(dt);
    }

    public int index(int... idx) {
        int k = 0;
        for (int i = 0; i < idx.length; i++) {
            k += idx[i] * strides[i];
        }
        return k;
    }

    public double get(int... idx) {
        return v[index(idx)];
    }

    public void set(double value, int... idx) {
        v[index(idx)] = value;
    }

    public int dim(int i) {
        return shape[i];
    }

    public long[] longShape() {
        long[] s = new long[shape.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = shape[i];
        }
        return s;
    }

    private static int count(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }
}
