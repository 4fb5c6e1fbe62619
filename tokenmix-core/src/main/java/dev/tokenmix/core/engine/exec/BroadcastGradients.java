package dev.tokenmix.core.engine.exec;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.DivOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.same.Negative;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The backward ops of broadcasting {@code add}, {@code subtract}, {@code multiply} and {@code divide} (libnd4j's
 * {@code add_bp}, {@code subtract_bp}, {@code multiply_bp}, {@code divide_bp}) written as forward kernels: a
 * broadcast product or quotient and, where an operand was broadcast, a sum over the broadcast axes.
 *
 * <p>Why: in ND4J 1.0.0-M2.1, {@code multiply_bp} was the largest item of a DeiT-Tiny training step (88 calls, a third
 * of the step, about 10 ms per call on {@code [8, 197, 192]}), mostly LayerNorm's and GELU's products; a broadcast
 * multiply and a reduction of the same shapes take a fraction of that. {@code add_bp} copies the incoming gradient;
 * here it is that gradient itself where the shapes agree. {@code divide_bp} took 117 ms of GLNet-4G's training step
 * (34 calls, the normalisations of its slot clustering).
 */
final class BroadcastGradients {
    private final OpExecutioner exec;

    BroadcastGradients(OpExecutioner exec) {
        this.exec = exec;
    }

    /**
     * The gradient reaching an operand of shape {@code target} from {@code full}, the gradient of the broadcast
     * result: {@code full} itself when the shapes agree, otherwise its sum over the broadcast axes, written into
     * {@code out}.
     *
     * @return the step computing it
     */
    Runnable reduceTo(INDArray full, INDArray out) {
        int[] axes = broadcastAxes(full.shape(), out.shape());
        if (axes.length == 0) {
            return () -> out.assign(full);
        }
        if (isLeadingPrefix(axes) && full.rank() > axes.length && FloatKernels.denseAnyType(full)) {
            // a sum over the leading axes (a bias's gradient over all rows) is a product with a row of ones:
            // BLAS reads the rows once, where the strided reduction over axis 0 measured several times slower
            long rows = 1;
            for (int a : axes) {
                rows *= full.size(a);
            }
            long cols = full.length() / rows;
            INDArray ones = Nd4j.ones(full.dataType(), 1, rows); // [1, R]
            INDArray matrix = full.reshape('c', rows, cols); // [R, C]
            INDArray row = out.reshape('c', 1, cols); // [1, C], the same elements as out
            return () -> Nd4j.gemm(ones, matrix, row, false, false, 1.0, 0.0);
        }
        long[] reduced = reducedShape(full.shape(), axes);
        INDArray z = out.reshape('c', reduced); // [the kept axes of full]: the same elements as out
        Sum sum = new Sum(full, z, false, axes);
        return () -> exec.exec(sum);
    }

    private static boolean isLeadingPrefix(int[] axes) {
        for (int i = 0; i < axes.length; i++) {
            if (axes[i] != i) {
                return false;
            }
        }
        return true;
    }

    /** {@code out = a * b} with broadcasting; {@code out} has the broadcast shape. */
    Runnable multiply(INDArray a, INDArray b, INDArray out) {
        MulOp op = new MulOp(a, b, out);
        return () -> exec.exec(op);
    }

    /** {@code out = a / b} with broadcasting; {@code out} has the broadcast shape. */
    Runnable divide(INDArray a, INDArray b, INDArray out) {
        DivOp op = new DivOp(a, b, out);
        return () -> exec.exec(op);
    }

    /** {@code out = -a}, same shapes. */
    Runnable negate(INDArray a, INDArray out) {
        Negative op = new Negative(a, out);
        return () -> exec.exec(op);
    }

    /** Whether an operand of shape {@code operand} takes part in a result of shape {@code full} without broadcasting. */
    static boolean sameShape(long[] full, long[] operand) {
        return broadcastAxes(full, operand).length == 0 && full.length == operand.length;
    }

    /**
     * The axes of {@code full} along which an operand of shape {@code operand} (aligned to the right, as numpy
     * broadcasting) was repeated: the leading axes it lacks and those where it has size 1 and {@code full} more.
     */
    static int[] broadcastAxes(long[] full, long[] operand) {
        List<Integer> axes = new ArrayList<>();
        int lead = full.length - operand.length;
        for (int i = 0; i < full.length; i++) {
            boolean missing = i < lead;
            boolean repeated = !missing && operand[i - lead] == 1 && full[i] != 1;
            if (missing || repeated) {
                axes.add(i);
            }
        }
        return axes.stream().mapToInt(Integer::intValue).toArray();
    }

    private static long[] reducedShape(long[] full, int[] axes) {
        List<Long> kept = new ArrayList<>();
        int next = 0;
        for (int i = 0; i < full.length; i++) {
            if (next < axes.length && axes[next] == i) {
                next++;
            } else {
                kept.add(full[i]);
            }
        }
        return kept.stream().mapToLong(Long::longValue).toArray();
    }
}
