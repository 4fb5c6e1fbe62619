package dev.tokenmix.core.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the array file formats share: random-access sources, moving bytes between files and the native
 * memory of an INDArray (byte order included), and atomic writes.
 */
final class IoSupport {
    /** libnd4j's MAX_RANK: shape information for more dimensions overruns its fixed buffers. */
    static final int MAX_RANK = 32;
    /** Bytes moved per I/O call; bounded so that a direct ByteBuffer never exceeds its int capacity. */
    private static final int CHUNK = 1 << 24;

    private IoSupport() {
    }

    /** Random-access bytes with a known size: an open file or an array in memory. */
    interface Source extends Closeable {
        /** The name that error messages use: the path as given, or the caller's label. */
        String name();

        long size();

        /** Fills {@code dst} from {@code pos}; a source that ends first is a truncated file. */
        void readFully(long pos, ByteBuffer dst) throws IOException;
    }

    static Source open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            throw new WeightsFormatException(path + ": is a directory, not a file");
        }
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        String name = path.toString();
        long size;
        try {
            size = ch.size();
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return new Source() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public long size() {
                return size;
            }

            @Override
            public void readFully(long pos, ByteBuffer dst) throws IOException {
                long p = pos;
                while (dst.hasRemaining()) {
                    int n = ch.read(dst, p);
                    if (n < 0) {
                        throw new WeightsFormatException(name + ": file ended at byte " + p
                                + " while reading; it was truncated or changed while being read");
                    }
                    p += n;
                }
            }

            @Override
            public void close() throws IOException {
                ch.close();
            }
        };
    }

    static Source of(byte[] bytes, String name) {
        return new Source() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public long size() {
                return bytes.length;
            }

            @Override
            public void readFully(long pos, ByteBuffer dst) {
                int n = dst.remaining();
                if (pos < 0 || pos + n > bytes.length) {
                    throw new WeightsFormatException(name + ": data ends at byte " + bytes.length
                            + " but " + n + " bytes are needed from byte " + pos + "; the data is truncated");
                }
                dst.put(bytes, (int) pos, n);
            }

            @Override
            public void close() {
            }
        };
    }

    static byte[] readBytes(Source src, long pos, int n) throws IOException {
        byte[] out = new byte[n];
        src.readFully(pos, ByteBuffer.wrap(out));
        return out;
    }

    /**
     * The number of elements of {@code shape}, or -1 when it does not fit in a long. Dimensions must be
     * non-negative. A shape whose non-zero dimensions overflow a long counts as overflowing even when a
     * zero dimension makes it empty: ND4J computes strides from those dimensions.
     */
    static long elementCount(long[] shape) {
        long n = 1;
        long nonZero = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension " + d);
            }
            if (d == 0) {
                n = 0;
                continue;
            }
            try {
                nonZero = Math.multiplyExact(nonZero, d);
            } catch (ArithmeticException e) {
                return -1;
            }
            if (n != 0) {
                n = nonZero;
            }
        }
        return n;
    }

    /**
     * Refuses to go on when {@code bytes} more native memory cannot be had. ND4J's CPU backend does not check
     * its allocations: asking it for more memory than the machine has crashes the JVM (SIGSEGV in libc), and
     * a valid header of a large (or sparse) file can ask for any size.
     */
    static void checkMemory(long bytes, String where) {
        if (bytes < MEMORY_CHECK_BYTES) {
            return;
        }
        long available = Pointer.availablePhysicalBytes();
        if (available > 0 && bytes > available) {
            throw new WeightsFormatException(where + " needs " + bytes + " bytes of memory but only " + available
                    + " are available; free memory or load the tensors one at a time (Safetensors.open)");
        }
    }

    /** Allocations below this size skip the memory check (it reads /proc/meminfo). */
    private static final long MEMORY_CHECK_BYTES = 1L << 26;

    /**
     * A C-order array of the shape, uninitialised, outside any workspace (so it outlives the caller's), after
     * {@link #checkMemory} of {@code copies} times its size ({@code where} names it in the refusal).
     */
    static INDArray allocate(DataType type, long[] shape, int copies, String where) {
        long count = elementCount(shape);
        checkMemory(count < 0 ? Long.MAX_VALUE : saturatedMultiply(count, (long) type.width() * copies), where);
        return allocate(type, shape);
    }

    private static long saturatedMultiply(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** A C-order array of the shape, uninitialised, outside any workspace (so it outlives the caller's). */
    @SuppressWarnings("try")
    static INDArray allocate(DataType type, long[] shape) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (long d : shape) {
                if (d == 0) {
                    return Nd4j.create(type, shape);
                }
            }
            return Nd4j.createUninitialized(type, shape);
        }
    }

    /**
     * Bytes of the native memory of {@code a}, an array that owns its buffer from the start (a fresh array
     * or one that {@link #contiguousC} returned): {@code byteOffset} from the first element, {@code length} long.
     */
    static ByteBuffer memory(INDArray a, long byteOffset, int length) {
        long address = a.data().addressPointer().address() + byteOffset;
        return new Window(address, length).asByteBuffer().order(ByteOrder.nativeOrder());
    }

    /**
     * Copies {@code a.length() × width} bytes from {@code src} at {@code pos} into the native memory of
     * the fresh C-order array {@code a}, converting from {@code order} to the platform's byte order.
     */
    static void fill(INDArray a, Source src, long pos, ByteOrder order) throws IOException {
        if (a.isEmpty()) {
            return;
        }
        int width = a.dataType().width();
        long total = a.length() * width;
        boolean swap = width > 1 && order != ByteOrder.nativeOrder();
        for (long done = 0; done < total; ) {
            int n = (int) Math.min(CHUNK, total - done);
            ByteBuffer dst = memory(a, done, n);
            src.readFully(pos + done, dst);
            if (swap) {
                swapInPlace(memory(a, done, n), width);
            }
            done += n;
        }
        hostWritten(a);
    }

    /** Tells ND4J that the host copy of {@code a} was written behind its back (a no-op on the CPU backend). */
    static void hostWritten(INDArray a) {
        Nd4j.getAffinityManager().tagLocation(a, AffinityManager.Location.HOST);
    }

    /** Reverses the bytes of every {@code width}-byte element of {@code b} (position 0 to limit). */
    static void swapInPlace(ByteBuffer b, int width) {
        ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer be = b.duplicate().order(ByteOrder.BIG_ENDIAN);
        int n = b.limit();
        switch (width) {
            case 2 -> {
                for (int i = 0; i < n; i += 2) {
                    le.putShort(i, be.getShort(i));
                }
            }
            case 4 -> {
                for (int i = 0; i < n; i += 4) {
                    le.putInt(i, be.getInt(i));
                }
            }
            case 8 -> {
                for (int i = 0; i < n; i += 8) {
                    le.putLong(i, be.getLong(i));
                }
            }
            default -> throw new IllegalStateException("element width " + width);
        }
    }

    /** Maps every non-zero byte of a BOOL array to 1, the only "true" ND4J and NumPy write. */
    static void normalizeBool(INDArray a) {
        if (a.isEmpty()) {
            return;
        }
        long total = a.length();
        for (long done = 0; done < total; ) {
            int n = (int) Math.min(CHUNK, total - done);
            ByteBuffer b = memory(a, done, n);
            for (int i = 0; i < n; i++) {
                if (b.get(i) != 0) {
                    b.put(i, (byte) 1);
                }
            }
            done += n;
        }
        hostWritten(a);
    }

    /** {@code a} itself when its memory is exactly its elements in C order, else a C-order copy. */
    @SuppressWarnings("try")
    static INDArray contiguousC(INDArray a) {
        Nd4j.getAffinityManager().ensureLocation(a, AffinityManager.Location.HOST);
        if (a.isEmpty()) {
            return a;
        }
        if (a.ordering() == 'c' && !a.isView() && hasCStrides(a)) {
            return a;
        }
        INDArray c;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            c = a.dup('c');
        }
        Nd4j.getAffinityManager().ensureLocation(c, AffinityManager.Location.HOST);
        return c;
    }

    private static boolean hasCStrides(INDArray a) {
        long[] shape = a.shape();
        long[] stride = a.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return a.offset() == 0 && a.data().length() >= a.length();
    }

    /** Writes the elements of the C-contiguous array {@code c} little-endian at the channel's position. */
    static void writeLittleEndian(INDArray c, FileChannel ch) throws IOException {
        if (c.isEmpty()) {
            return;
        }
        int width = c.dataType().width();
        long total = c.length() * width;
        boolean swap = width > 1 && ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN;
        for (long done = 0; done < total; ) {
            int n = (int) Math.min(CHUNK, total - done);
            ByteBuffer src = memory(c, done, n);
            if (swap) {
                ByteBuffer copy = ByteBuffer.allocate(n);
                copy.put(src).flip();
                swapInPlace(copy, width);
                src = copy;
            }
            writeFully(ch, src);
            done += n;
        }
    }

    static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** The body of an atomic write: it writes the whole file through {@code ch}. */
    @FunctionalInterface
    interface Body {
        void write(FileChannel ch) throws IOException;
    }

    /**
     * Writes {@code target} through a temporary file in the same directory, forced to disk and then moved
     * over the target in one rename, so that the target is either its old self or the complete new file.
     */
    static void writeAtomically(Path target, Body body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        String base = abs.getFileName().toString();
        Path tmp = createTemporary(dir, base);
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.write(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** A new empty file next to the target, with the default permissions (createTempFile's are owner-only). */
    private static Path createTemporary(Path dir, String base) throws IOException {
        String prefix = "." + (base.length() > 64 ? base.substring(0, 64) : base) + ".";
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve(prefix + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) {
                    throw e;
                }
            }
        }
    }

    /** A window onto native memory that JavaCPP can wrap as a direct ByteBuffer. It owns nothing. */
    private static final class Window extends BytePointer {
        Window(long address, long length) {
            this.address = address;
            this.capacity = length;
            this.limit = length;
        }
    }
}
