package dev.tokenmix.core.io.torch;

/**
 * A storage named by a persistent id of the pickle: its key, element type and element count. The data stays in
 * the file until the tensors that use it are built. A legacy storage view ({@code view_metadata} of torch < 1.0)
 * is a window of {@code numel} elements starting at element {@code offset} of its {@code root} storage; a root
 * storage is its own root, at offset 0.
 */
final class StorageRef {
    final String key;
    final TorchDtype dtype;
    final long numel;
    final long offset;
    final StorageRef root;
    /** Where the bytes of a root storage start in the file (legacy format); -1 until known. */
    long filePosition = -1;
    /** Element count of a root storage as recorded beside its data (legacy format); -1 until known. */
    long fileNumel = -1;

    /** A root storage. */
    StorageRef(String key, TorchDtype dtype, long numel) {
        this.key = key;
        this.dtype = dtype;
        this.numel = numel;
        this.offset = 0;
        this.root = this;
    }

    /** A view of {@code numel} elements of {@code root} from element {@code offset}. */
    StorageRef(String key, StorageRef root, long offset, long numel) {
        this.key = key;
        this.dtype = root.dtype;
        this.numel = numel;
        this.offset = offset;
        this.root = root;
    }

    long nbytes() {
        return numel * dtype.size;
    }
}
