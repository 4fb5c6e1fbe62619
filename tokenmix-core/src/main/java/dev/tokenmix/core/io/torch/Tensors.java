package dev.tokenmix.core.io.torch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Copies the elements of a strided view out of raw storage bytes into a new C-order INDArray of the same type,
 * swapping the byte order where the file's differs from the machine's. Every index is checked against the bytes
 * at hand before the array is allocated.
 */
final class Tensors {
    private Tensors() {
    }

    /**
     * @param data the bytes of the whole root storage
     * @param start the view's first element, counted in elements from the start of {@code data}
     * @param fileOrder the byte order of {@code data}
     */
    static INDArray gather(DataType type, int elemSize, byte[] data, long start, long[] size, long[] stride,
            ByteOrder fileOrder) {
        long numel = 1;
        long reach = start;
        for (int i = 0; i < size.length; i++) {
            numel *= size[i];
            if (size[i] > 0) {
                reach += (size[i] - 1) * stride[i];
            }
        }
        long available = data.length / elemSize;
        if (numel > 0 && (start < 0 || reach >= available)) {
            throw new CheckpointProblem("a tensor reaches element " + reach + " of a storage whose data holds "
                    + available + " elements; the file is truncated or corrupt");
        }
        INDArray out = Nd4j.create(type, size, 'c');
        if (numel == 0) {
            return out;
        }
        ByteBuffer dst = out.data().asNio().order(ByteOrder.nativeOrder());
        int rank = size.length;
        // copy runs along the last dimension when it is contiguous, single elements otherwise
        boolean runs = rank > 0 && stride[rank - 1] == 1;
        int outer = runs ? rank - 1 : rank;
        int runBytes = (int) ((runs ? size[rank - 1] : 1) * elemSize);
        long[] idx = new long[outer];
        long src = start;
        int pos = 0;
        long count = numel / (runs ? size[rank - 1] : 1);
        for (long k = 0; k < count; k++) {
            dst.put(pos, data, (int) (src * elemSize), runBytes);
            pos += runBytes;
            for (int d = outer - 1; d >= 0; d--) {
                idx[d]++;
                src += stride[d];
                if (idx[d] < size[d]) {
                    break;
                }
                src -= stride[d] * size[d];
                idx[d] = 0;
            }
        }
        if (elemSize > 1 && fileOrder != ByteOrder.nativeOrder()) {
            swap(dst, elemSize, pos);
        }
        Nd4j.getAffinityManager().tagLocation(out, AffinityManager.Location.HOST);
        return out;
    }

    /** C-order strides of {@code size}. */
    static long[] contiguousStrides(long[] size) {
        long[] s = new long[size.length];
        long acc = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= Math.max(size[i], 1);
        }
        return s;
    }

    /** Fortran-order strides of {@code size}. */
    static long[] fortranStrides(long[] size) {
        long[] s = new long[size.length];
        long acc = 1;
        for (int i = 0; i < size.length; i++) {
            s[i] = acc;
            acc *= Math.max(size[i], 1);
        }
        return s;
    }

    private static void swap(ByteBuffer b, int elemSize, int length) {
        for (int i = 0; i < length; i += elemSize) {
            for (int j = 0; j < elemSize / 2; j++) {
                byte x = b.get(i + j);
                b.put(i + j, b.get(i + elemSize - 1 - j));
                b.put(i + elemSize - 1 - j, x);
            }
        }
    }
}
