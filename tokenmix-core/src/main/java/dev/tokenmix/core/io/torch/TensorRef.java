package dev.tokenmix.core.io.torch;

/**
 * A tensor as the pickle describes it: a view of {@code size} with {@code stride} starting at element
 * {@code offset} of a storage. Validated against the storage's declared size when created; built into an INDArray
 * once the pickle has been read.
 */
final class TensorRef {
    final StorageRef storage;
    final long offset;
    final long[] size;
    final long[] stride;

    TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
        this.storage = storage;
        this.offset = offset;
        this.size = size;
        this.stride = stride;
    }

    /** Element count; the shape was checked not to overflow. */
    long numel() {
        long n = 1;
        for (long s : size) {
            n *= s;
        }
        return n;
    }
}
