package dev.tokenmix.core.engine;

import java.util.Arrays;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A symbolic value of a graph together with its static shape.
 *
 * <p>Graphs are built once per input resolution with a dynamic batch, so exactly one dimension of a
 * shape may depend on the batch size. That dimension is written as a negative number {@code -k}, meaning
 * "k times the batch": {@code [-1, 197, 192]} is {@code [B, 197, 192]} and {@code [-197, 192]} is
 * {@code [B*197, 192]}. Every other dimension is known while the graph is built, which lets the op facade
 * check shapes, name the module that got a wrong one, and count multiply-adds at batch 1 before any
 * native code runs.
 */
public final class Tensor {
    private final SDVariable var;
    private final long[] shape;

    Tensor(SDVariable var, long[] shape) {
        this.var = var;
        this.shape = shape.clone();
    }

    /** The SameDiff variable behind this value, for code that mixes raw SameDiff with the facade. */
    public SDVariable var() {
        return var;
    }

    /** The static shape; a negative entry {@code -k} stands for k times the batch size. */
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Dimension {@code axis} (negative axes count from the end), negative if it scales with the batch. */
    public long dim(int axis) {
        return shape[axis < 0 ? shape.length + axis : axis];
    }

    /** The shape at batch size 1, used for counting. */
    public long[] shapeAtBatch1() {
        long[] s = shape.clone();
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.abs(s[i]);
        }
        return s;
    }

    /** Number of elements per sample (the shape at batch 1). */
    public long elementsPerSample() {
        long n = 1;
        for (long d : shape) {
            n *= Math.abs(d);
        }
        return n;
    }

    /** The shape written the way users read it: {@code [B, 197, 192]}, {@code [B*197, 192]}. */
    public String shapeString() {
        return Shapes.format(shape);
    }

    @Override
    public String toString() {
        return "Tensor" + shapeString() + "(" + var.name() + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && t.var == var && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() {
        return var.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
