package dev.tokenmix.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An open <a href="https://github.com/huggingface/safetensors">safetensors</a> file whose header has been
 * read and validated (see {@link Safetensors} for the rules): list the tensors and their dtypes and shapes
 * without reading any data, then read the tensors you need one at a time. Each {@link #read(String)} is a
 * positioned read of exactly that tensor's bytes into a new array, so the memory used is that of the
 * tensors kept, never the whole file. Use it for large checkpoints, for loading a subset of the keys, or to
 * inspect a file; {@link Safetensors#read(Path)} is the one-call form.
 *
 * <p>Plain positioned reads are used rather than a memory map: a map would keep the file mapped (and, on
 * Windows, locked against the atomic replace that {@link Safetensors#write} does) until the garbage
 * collector got to it. Reads may run concurrently from several threads. Obtain one with
 * {@link Safetensors#open(Path)} and close it (try-with-resources).
 */
public final class SafetensorsFile implements AutoCloseable {
    private final Path path;
    private final IoSupport.Source src;
    private final Safetensors.Header header;
    private volatile boolean closed;

    SafetensorsFile(Path path, IoSupport.Source src, Safetensors.Header header) {
        this.path = path;
        this.src = src;
        this.header = header;
    }

    public Path path() {
        return path;
    }

    /** Tensor names in the order of their data in the file. */
    public List<String> keys() {
        return header.tensors().stream().map(Safetensors.TensorInfo::name)
                .collect(Collectors.toUnmodifiableList());
    }

    /** Header entries in the order of their data in the file. */
    public List<Safetensors.TensorInfo> infos() {
        return header.tensors();
    }

    public int size() {
        return header.tensors().size();
    }

    public boolean contains(String key) {
        return header.byName().containsKey(key);
    }

    /** The dtype, shape and offsets of one tensor, without reading it. */
    public Safetensors.TensorInfo info(String key) {
        Safetensors.TensorInfo t = header.byName().get(key);
        if (t == null) {
            throw new IllegalArgumentException(path + ": no tensor " + Safetensors.quote(String.valueOf(key))
                    + " among its " + size() + " tensors" + examples());
        }
        return t;
    }

    /** The {@code __metadata__} strings in header order; empty when the file has none. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /**
     * Reads one tensor into a new C-order array of {@link Safetensors.Dtype#readType() its dtype's ND4J
     * type}.
     *
     * @throws IllegalArgumentException for a name the file does not have
     * @throws IllegalStateException    after {@link #close()}
     */
    public INDArray read(String key) throws IOException {
        Safetensors.TensorInfo t = info(key);
        if (closed) {
            throw new IllegalStateException(path + " is closed");
        }
        INDArray a = IoSupport.allocate(t.dtype().readType(), t.shape(), 1,
                path + ": tensor " + Safetensors.quote(t.name()));
        long pos = header.dataStart() + t.begin();
        switch (t.dtype()) {
            case F8_E4M3, F8_E5M2 -> readFp8(a, pos, t.dtype());
            case BOOL -> {
                IoSupport.fill(a, src, pos, ByteOrder.LITTLE_ENDIAN);
                IoSupport.normalizeBool(a);
            }
            default -> IoSupport.fill(a, src, pos, ByteOrder.LITTLE_ENDIAN);
        }
        return a;
    }

    /** Reads every tensor, in file order, into a fresh map. */
    public LinkedHashMap<String, INDArray> readAll() throws IOException {
        LinkedHashMap<String, INDArray> out = new LinkedHashMap<>();
        for (Safetensors.TensorInfo t : header.tensors()) {
            out.put(t.name(), read(t.name()));
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        src.close();
    }

    private void readFp8(INDArray a, long pos, Safetensors.Dtype dtype) throws IOException {
        long total = a.isEmpty() ? 0 : a.length();
        ByteBuffer raw = ByteBuffer.allocate((int) Math.min(total, 1 << 20));
        for (long done = 0; done < total; ) {
            int n = (int) Math.min(raw.capacity(), total - done);
            raw.clear().limit(n);
            src.readFully(pos + done, raw);
            ByteBuffer dst = IoSupport.memory(a, done * 2, n * 2);
            for (int i = 0; i < n; i++) {
                int b = raw.get(i);
                dst.putShort(i * 2, dtype == Safetensors.Dtype.F8_E4M3 ? Safetensors.e4m3ToHalf(b) : Safetensors.e5m2ToHalf(b));
            }
            done += n;
        }
        IoSupport.hostWritten(a);
    }

    private String examples() {
        List<String> names = new ArrayList<>();
        for (Safetensors.TensorInfo t : header.tensors()) {
            if (names.size() == 3) {
                break;
            }
            names.add(Safetensors.quote(t.name()));
        }
        return names.isEmpty() ? "" : " (" + String.join(", ", names) + (size() > 3 ? ", ..." : "") + ")";
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + size() + " tensors]";
    }
}
