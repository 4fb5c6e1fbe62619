package dev.tokenmix.core.io.torch;

import dev.tokenmix.core.io.WeightsFormatException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads PyTorch checkpoints ({@code .pth}, {@code .pt}, {@code .pth.tar}, {@code .bin}) in pure Java, without
 * running anything from the file.
 *
 * <h2>When to use</h2>
 * To load the official weights of a paper's PyTorch code: {@link #read(Path)} returns the object that
 * {@code torch.load} would return, as plain Java data. A checkpoint is usually a dict holding the state_dict under
 * {@code model}, {@code state_dict}, {@code state_dict_ema} or {@code model_ema} beside optimizer state, an epoch
 * number and the training arguments; finding the weights in it is the model loader's job (timm's rule). Files from
 * {@code torch.jit.save} (TorchScript), whole pickled {@code nn.Module}s and plain {@code pickle.dump} files of
 * tensors are refused with a message saying how to re-save them.
 *
 * <h2>What comes back</h2>
 * <ul>
 *   <li>dict and OrderedDict: {@code LinkedHashMap}, insertion order kept. Keys are what Python had: String for a
 *       state_dict, Long for an optimizer's parameter indices, a List for a tuple key.</li>
 *   <li>list and tuple: {@code List} (a tuple's list is unmodifiable); set and frozenset: {@code LinkedHashSet};
 *       {@code torch.Size}: a List of Long.</li>
 *   <li>str: String; int: Long (BigInteger past 64 bits); float: Double; bool: Boolean; None: null;
 *       bytes: {@code byte[]}; {@code pathlib} paths: String.</li>
 *   <li>tensors and {@code nn.Parameter}s: {@link INDArray} in PyTorch layout, C order, the saved shape and the
 *       same type (float32/64, float16, bfloat16, int64/32/16/8, uint8, bool); a 0-d tensor is a rank-0 array.
 *       Each is a copy, so views of one storage come out as independent arrays; one tensor object under two keys
 *       (tied weights) comes out as one array under both. numpy scalars: Double, Long or Boolean; numeric numpy
 *       arrays: INDArray.</li>
 *   <li>{@link InertObject} for the other allowed objects: {@code argparse.Namespace} training arguments,
 *       {@code torch.device}, dtypes.</li>
 * </ul>
 *
 * <h2>Formats</h2>
 * <ul>
 *   <li><b>zip</b> ({@code torch.save} since torch 1.6): a zip archive, entries stored uncompressed under one top
 *       folder whose name varies: {@code <folder>/data.pkl} is the pickle of the object, {@code <folder>/data/<key>}
 *       the raw bytes of each storage, {@code <folder>/byteorder} (torch 2.1+) {@code little} or {@code big}.</li>
 *   <li><b>legacy</b> ({@code _use_new_zipfile_serialization=False}, torch before 1.6): five pickles in a row (the
 *       magic number {@code 0x1950a86a20f9469cfc6c}, the protocol version 1001, a sys_info dict with the byte
 *       order, the object, the sorted list of storage keys), then each storage in the order of that list: its
 *       element count as 8 bytes, then its bytes.</li>
 * </ul>
 * In both, a tensor is pickled as a call of {@code torch._utils._rebuild_tensor_v2(storage, storage_offset, size,
 * stride, requires_grad, backward_hooks[, metadata])} (or {@code _rebuild_tensor}, wrapped in
 * {@code _rebuild_parameter} for an {@code nn.Parameter}) whose storage is a persistent id {@code ('storage',
 * storage_type, key, location, numel)}; the storage type is a legacy class such as {@code torch.FloatStorage}
 * (what torch 1.13 and 2.x write) or a dtype such as {@code torch.float32}. Offsets and strides are honoured, so
 * transposed, sliced and expanded views come out as PyTorch shows them. The older tar format of torch before 0.4
 * is not read.
 *
 * <h2>Safety</h2>
 * A pickle is a program: unpickling calls whatever functions the file names, which is how a weights file runs a
 * command. The reader's unpickler knows only an allowlist, implemented in Java as data handling; it refuses any
 * other global the moment the pickle names it, so nothing is ever called, and throws {@link UnsafePickleException}
 * naming it. Allowed:
 * <ul>
 *   <li>tensors: {@code torch._utils._rebuild_tensor}, {@code _rebuild_tensor_v2}, {@code _rebuild_parameter},
 *       {@code _rebuild_parameter_with_state}, {@code torch._tensor._rebuild_from_type_v2} of {@code torch.Tensor}
 *       or {@code torch.nn.parameter.Parameter}; the storage classes ({@code torch.FloatStorage}, ...,
 *       {@code torch.UntypedStorage}) and dtypes ({@code torch.float32}, ...);</li>
 *   <li>containers and constants: {@code collections.OrderedDict}, {@code torch.Size}, {@code builtins.set},
 *       {@code frozenset}, {@code bytes}, {@code bytearray}, {@code _codecs.encode} of latin-1 text (how protocol 2
 *       spells bytes), {@code copyreg._reconstructor} of an allowed class on {@code object};</li>
 *   <li>known-harmless classes kept as data: {@code argparse.Namespace} and {@code types.SimpleNamespace} (the
 *       training arguments many checkpoints carry), {@code torch.device}, {@code pathlib} paths, and numpy's
 *       {@code dtype}, {@code scalar}, {@code ndarray} via {@code _reconstruct} / {@code _frombuffer} (numpy
 *       numbers and small arrays in the arguments).</li>
 * </ul>
 * Everything else is refused: {@code os.system}/{@code posix.system}, {@code subprocess.*}, {@code builtins.eval},
 * {@code exec}, {@code getattr}, {@code __import__}, {@code open}, {@code importlib.*}, {@code runpy.*},
 * {@code pickle.loads}, and any class, {@code torch.nn.Module}s included (save the {@code state_dict()} instead).
 * Calls of anything but an allowed function, state set on anything but the reader's own objects, and copyreg
 * extension codes are refused too.
 *
 * <h2>Robustness</h2>
 * Every failure is a {@link WeightsFormatException} with a one-line message naming the file: truncated or
 * corrupted files, zip entries whose declared sizes exceed the file, storages shorter than their tensors, offsets
 * and strides outside a storage, shapes whose element count overflows, files of another format (a safetensors,
 * npy or npz file passed by mistake is named as such). Lengths are checked against the file before anything is
 * allocated, and the tensors built may not exceed four times the file's size plus 64 MiB, so a small hostile file
 * cannot exhaust memory (a view with stride 0 can show more elements than its storage holds; a checkpoint's views
 * stay far below that). Storage records must be stored uncompressed, as torch writes them. Tensors and storages of
 * more than 2 GiB each are not supported.
 *
 * <p>Thread-safe: every call reads with its own state.
 */
public final class TorchCheckpoint {
    private static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long LEGACY_PROTOCOL = 1001;
    /** Largest compression ratio deflate can reach; a record declaring more is lying (data.pkl only). */
    private static final long MAX_DEFLATE_RATIO = 1032;
    private static final long SLACK_BYTES = 64L << 20;
    /** Opcodes that begin the pickles of protocols 0 and 1, which have no PROTO header. */
    private static final String PROTOCOL_0_1_STARTS = "(LI]}NcSVJKM)";

    private TorchCheckpoint() {
    }

    /**
     * Reads a PyTorch checkpoint.
     *
     * @param file a file written by {@code torch.save}, in the zip format (torch 1.6+) or the legacy format
     * @return the object {@code torch.load} would return, as described in the class comment: usually a
     *     {@code Map} of String keys to tensors ({@link INDArray}) or to nested checkpoint parts
     * @throws UnsafePickleException if the pickle names a global outside the allowlist (nothing is executed)
     * @throws WeightsFormatException if the file is missing, unreadable, malformed, truncated, of another format,
     *     or holds tensors ND4J cannot represent (complex, quantized, sparse); always with a one-line message
     */
    public static Object read(Path file) {
        Objects.requireNonNull(file, "file");
        String name = Allowlist.printable(String.valueOf(file), 1000);
        try {
            return readOrThrow(file, name);
        } catch (WeightsFormatException e) {
            throw e;
        } catch (CheckpointProblem e) {
            throw new WeightsFormatException("cannot load " + name + ": " + Allowlist.printable(e.getMessage(), 2000),
                    e);
        } catch (NoSuchFileException e) {
            throw new WeightsFormatException("cannot load " + name + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new WeightsFormatException("cannot load " + name + ": permission denied", e);
        } catch (EOFException e) {
            throw new WeightsFormatException("cannot load " + name + ": the file ends early; it is truncated or corrupt",
                    e);
        } catch (ZipException e) {
            throw new WeightsFormatException("cannot load " + name + ": a corrupt zip archive (" + oneLine(e) + ")", e);
        } catch (IOException e) {
            throw new WeightsFormatException("cannot load " + name + ": " + oneLine(e), e);
        } catch (RuntimeException | StackOverflowError e) {
            throw new WeightsFormatException("cannot load " + name + ": malformed checkpoint (" + oneLine(e) + ")", e);
        } catch (OutOfMemoryError e) {
            throw new WeightsFormatException("cannot load " + name + ": out of memory building its tensors ("
                    + oneLine(e) + "); give the JVM more heap or off-heap memory", e);
        }
    }

    private static Object readOrThrow(Path file, String name) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, 512));
            while (head.hasRemaining() && ch.read(head, head.position()) >= 0) {
                // fill the head
            }
            byte[] h = Arrays.copyOf(head.array(), head.position());
            if (h.length == 0) {
                throw new CheckpointProblem("the file is empty");
            }
            if (startsWith(h, 'P', 'K', 3, 4) || startsWith(h, 'P', 'K', 5, 6)) {
                return readZip(file, name, size);
            }
            if (h.length >= 2 && (h[0] & 0xFF) == 0x80 && h[1] >= 2 && h[1] <= 5) {
                return readLegacy(ch, name, size);
            }
            String other = otherFormat(h, size);
            if (other != null) {
                throw new CheckpointProblem(other);
            }
            if (PROTOCOL_0_1_STARTS.indexOf(h[0]) >= 0) {
                return readLegacy(ch, name, size);
            }
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < Math.min(4, h.length); i++) {
                hex.append(String.format(" %02x", h[i] & 0xFF));
            }
            throw new CheckpointProblem("not a PyTorch checkpoint: neither a zip archive (torch 1.6 and later) nor a"
                    + " pickle (older torch); it starts with bytes" + hex);
        }
    }

    /** What a file that is neither a zip archive nor a pickle of protocol 2+ seems to be, or null. */
    private static String otherFormat(byte[] h, long size) {
        if (startsWith(h, 0x93, 'N', 'U', 'M', 'P', 'Y')) {
            return "this is a NumPy .npy file, not a PyTorch checkpoint; read it with Npy.read";
        }
        if (h.length > 8 && h[8] == '{') {
            long n = ByteBuffer.wrap(h, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n > 1 && n <= size - 8) {
                return "this is a safetensors file, not a PyTorch checkpoint; read it with Safetensors.read";
            }
        }
        if (h.length >= 262 && new String(h, 257, 5, StandardCharsets.ISO_8859_1).equals("ustar")) {
            return "this is a tar archive, the checkpoint format of torch before 0.4, which is not supported; load it"
                    + " with torch and save it again with a current version";
        }
        if (startsWith(h, 0x1F, 0x8B)) {
            return "this is a gzip-compressed file; decompress it first";
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------------ zip

    private static Object readZip(Path file, String name, long fileSize) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String pkl = null;
            boolean torchScript = false;
            boolean npy = false;
            Enumeration<? extends ZipEntry> en = zip.entries();
            while (en.hasMoreElements()) {
                String n = en.nextElement().getName();
                if (n.endsWith("/constants.pkl") || n.equals("constants.pkl") || n.contains("/code/__torch__")) {
                    torchScript = true;
                }
                npy |= n.endsWith(".npy");
                if (n.equals("data.pkl") || n.endsWith("/data.pkl")) {
                    if (pkl == null || depth(n) < depth(pkl)) {
                        pkl = n;
                    } else if (depth(n) == depth(pkl)) {
                        throw new CheckpointProblem("the zip archive holds two pickles, " + pkl + " and " + n);
                    }
                }
            }
            if (torchScript) {
                throw new CheckpointProblem("this is a TorchScript archive (torch.jit.save), not a checkpoint; load it"
                        + " with torch.jit.load in Python and torch.save its state_dict()");
            }
            if (pkl == null) {
                throw new CheckpointProblem(npy ? "this is a NumPy .npz archive, not a PyTorch checkpoint; read its .npy"
                        + " members with Npy.read" : "a zip archive without data.pkl, so not a PyTorch checkpoint");
            }
            String prefix = pkl.substring(0, pkl.length() - "data.pkl".length());
            ByteOrder order = ByteOrder.LITTLE_ENDIAN;
            ZipEntry bo = zip.getEntry(prefix + "byteorder");
            if (bo != null) {
                String s = new String(record(zip, bo, 16, fileSize), StandardCharsets.US_ASCII).trim();
                if (s.equals("big")) {
                    order = ByteOrder.BIG_ENDIAN;
                } else if (!s.equals("little")) {
                    throw new CheckpointProblem("the byteorder record says '" + Allowlist.printable(s) + "', not little"
                            + " or big");
                }
            }
            byte[] data = record(zip, zip.getEntry(pkl), Integer.MAX_VALUE - 16, fileSize);
            Map<String, StorageRef> roots = new HashMap<>();
            SafeUnpickler u = new SafeUnpickler(name, (key, dtype, numel, view) -> {
                StorageRef root = root(roots, key, dtype, numel);
                ZipEntry e = zip.getEntry(prefix + "data/" + key);
                if (e == null) {
                    throw new CheckpointProblem("storage '" + Allowlist.printable(key) + "' has no record "
                            + "data/" + Allowlist.printable(key) + " in the archive");
                }
                if (e.getMethod() != ZipEntry.STORED) {
                    throw new CheckpointProblem("storage record data/" + key + " is compressed; torch stores them"
                            + " uncompressed, so re-create the archive without compression (zip -0)");
                }
                if (e.getSize() >= 0 && e.getSize() < root.nbytes()) {
                    throw new CheckpointProblem("storage record data/" + key + " holds " + e.getSize() + " bytes but"
                            + " the pickle declares " + root.numel + " elements of " + dtype.size + " bytes");
                }
                return view(roots, root, view);
            });
            Object obj = u.read(PickleInput.of(data));
            final ByteOrder fileOrder = order;
            return materialize(obj, fileSize, fileOrder,
                    root -> record(zip, zip.getEntry(prefix + "data/" + root.key), root.nbytes(), fileSize,
                            root.nbytes()));
        }
    }

    private static int depth(String entry) {
        int d = 0;
        for (int i = 0; i < entry.length(); i++) {
            d += entry.charAt(i) == '/' ? 1 : 0;
        }
        return d;
    }

    private static byte[] record(ZipFile zip, ZipEntry e, long max, long fileSize) throws IOException {
        return record(zip, e, max, fileSize, -1);
    }

    /**
     * The bytes of a zip record, at most {@code max}, checked against the declared sizes and the file size; exactly
     * {@code want} bytes (the start of the record) when {@code want >= 0}.
     */
    private static byte[] record(ZipFile zip, ZipEntry e, long max, long fileSize, long want) throws IOException {
        long declared = e.getSize();
        long compressed = e.getCompressedSize();
        String n = Allowlist.printable(e.getName());
        if (compressed > fileSize) {
            throw new CheckpointProblem("zip record " + n + " declares " + compressed + " bytes, more than the file's "
                    + fileSize);
        }
        long bound = e.getMethod() == ZipEntry.STORED ? fileSize
                : fileSize > Long.MAX_VALUE / MAX_DEFLATE_RATIO ? Long.MAX_VALUE : fileSize * MAX_DEFLATE_RATIO;
        if (declared > bound) {
            throw new CheckpointProblem("zip record " + n + " declares " + declared + " bytes, more than a file of "
                    + fileSize + " bytes can hold");
        }
        long limit = want >= 0 ? want : declared >= 0 ? declared : max;
        if (limit > max || limit > Integer.MAX_VALUE - 16) {
            throw new CheckpointProblem("zip record " + n + " of " + limit + " bytes is larger than this reader"
                    + " accepts");
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes((int) limit);
            if (b.length < limit) {
                throw new CheckpointProblem("zip record " + n + " ends after " + b.length + " of its " + limit
                        + " bytes; the file is truncated or corrupt");
            }
            return b;
        }
    }

    // ------------------------------------------------------------------------------------------------------ legacy

    private static Object readLegacy(FileChannel ch, String name, long fileSize) throws IOException {
        Map<String, StorageRef> roots = new LinkedHashMap<>();
        SafeUnpickler u = new SafeUnpickler(name, (key, dtype, numel, view) -> view(roots, root(roots, key, dtype,
                numel), view));
        PickleInput in = PickleInput.of(ch, 0, fileSize);
        Object magic = u.read(in);
        if (!MAGIC.equals(magic instanceof Long l ? BigInteger.valueOf(l) : magic)) {
            throw new CheckpointProblem("a pickle of a " + SafeUnpickler.typeName(magic) + ", not a PyTorch checkpoint"
                    + " (the legacy format starts with the magic number 0x1950a86a20f9469cfc6c)");
        }
        Object protocol = u.read(in);
        if (!Long.valueOf(LEGACY_PROTOCOL).equals(protocol)) {
            throw new CheckpointProblem("legacy checkpoint protocol " + protocol + ", not 1001");
        }
        Object sysInfo = u.read(in);
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        if (sysInfo instanceof Map<?, ?> m && Boolean.FALSE.equals(m.get("little_endian"))) {
            order = ByteOrder.BIG_ENDIAN;
        }
        Object obj = u.read(in);
        Object keys = u.read(in);
        if (!(keys instanceof List<?> keyList)) {
            throw new CheckpointProblem("the storage key list is a " + SafeUnpickler.typeName(keys));
        }
        long pos = in.position();
        ByteBuffer count = ByteBuffer.allocate(8).order(order);
        for (Object k : keyList) {
            StorageRef root = k instanceof String s ? roots.get(s) : null;
            if (root == null || root.root != root) {
                throw new CheckpointProblem("the storage key list names '" + k + "', which the pickle never uses");
            }
            if (fileSize - pos < 8) {
                throw new CheckpointProblem("the file ends before storage '" + k + "'; it is truncated");
            }
            count.clear();
            readFully(ch, count, pos);
            long numel = count.getLong(0);
            long left = fileSize - pos - 8;
            if (numel < 0 || numel > left / root.dtype.size) {
                throw new CheckpointProblem("storage '" + k + "' declares " + numel + " elements of " + root.dtype.size
                        + " bytes but the file has " + left + " bytes left; it is truncated or corrupt");
            }
            if (numel < root.numel) {
                throw new CheckpointProblem("storage '" + k + "' holds " + numel + " elements but the pickle declares "
                        + root.numel);
            }
            root.filePosition = pos + 8;
            root.fileNumel = numel;
            pos += 8 + numel * root.dtype.size;
        }
        return materialize(obj, fileSize, order, root -> {
            if (root.filePosition < 0) {
                throw new CheckpointProblem("storage '" + root.key + "' is used by a tensor but missing from the"
                        + " storage key list");
            }
            if (root.nbytes() > Integer.MAX_VALUE - 16) {
                throw new CheckpointProblem("storage '" + root.key + "' of " + root.nbytes() + " bytes is over 2 GiB,"
                        + " more than this reader accepts");
            }
            ByteBuffer b = ByteBuffer.allocate((int) root.nbytes());
            readFully(ch, b, root.filePosition);
            return b.array();
        });
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        long p = pos;
        while (b.hasRemaining()) {
            int n = ch.read(b, p);
            if (n < 0) {
                throw new CheckpointProblem("the file ends at byte " + p + " inside a storage; it is truncated");
            }
            p += n;
        }
    }

    // ------------------------------------------------------------------------------------------------------ storages

    private static StorageRef root(Map<String, StorageRef> roots, String key, TorchDtype dtype, long numel) {
        StorageRef r = roots.get(key);
        if (r == null) {
            if (numel > (Long.MAX_VALUE >> 5)) {
                throw new CheckpointProblem("storage '" + Allowlist.printable(key) + "' declares " + numel
                        + " elements");
            }
            r = new StorageRef(key, dtype, numel);
            roots.put(key, r);
        } else if (r.dtype != dtype || r.numel != numel) {
            throw new CheckpointProblem("storage '" + Allowlist.printable(key) + "' is declared twice, as " + r.numel
                    + " x " + r.dtype.torchName() + " and as " + numel + " x " + dtype.torchName());
        }
        return r;
    }

    /** The root, or the legacy view {@code (view_key, offset, size)} of it. */
    private static StorageRef view(Map<String, StorageRef> roots, StorageRef root, PyTuple view) {
        if (view == null) {
            return root;
        }
        if (!(view.get(0) instanceof String key) || !(view.get(1) instanceof Long offset)
                || !(view.get(2) instanceof Long numel) || offset < 0 || numel < 0 || offset > root.numel
                || numel > root.numel - offset) {
            throw new CheckpointProblem("a storage view " + view + " outside its storage of " + root.numel
                    + " elements");
        }
        return new StorageRef(key, root, offset, numel);
    }

    // ------------------------------------------------------------------------------------------------------ tensors

    /** Loads the bytes of a root storage. */
    private interface StorageBytes {
        byte[] load(StorageRef root) throws IOException;
    }

    /**
     * Replaces the reader's lazy objects in the tree by INDArrays and inert values, after checking that the arrays
     * to build take at most four times the file's size plus 64 MiB (storages are stored uncompressed in both
     * formats, so a file holds all the data its tensors can show unless views overlap or repeat elements).
     */
    private static Object materialize(Object tree, long fileSize, ByteOrder order, StorageBytes bytes)
            throws IOException {
        // which tensors exist, grouped by the storage they read
        Map<StorageRef, List<TensorRef>> byRoot = new LinkedHashMap<>();
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        long[] total = {0};
        walk(tree, leaf -> {
            if (seen.add(leaf)) {
                if (leaf instanceof TensorRef t) {
                    byRoot.computeIfAbsent(t.storage.root, k -> new ArrayList<>()).add(t);
                    total[0] += t.numel() * t.storage.dtype.size;
                } else if (leaf instanceof StorageRef s) {
                    total[0] += s.nbytes();
                } else if (leaf instanceof Numpy.Array a && a.data != null) {
                    total[0] += a.data.length;
                }
            }
            return leaf;
        });
        long budget = 4 * fileSize + SLACK_BYTES;
        if (total[0] > budget) {
            throw new CheckpointProblem("its tensors would take " + total[0] + " bytes, more than 4 times the"
                    + " file's data; views with stride 0 or overlapping views inflate it past what a checkpoint"
                    + " needs");
        }
        Map<Object, Object> built = new IdentityHashMap<>();
        for (Map.Entry<StorageRef, List<TensorRef>> e : byRoot.entrySet()) {
            StorageRef root = e.getKey();
            byte[] data = bytes.load(root);
            for (TensorRef t : e.getValue()) {
                built.put(t, Tensors.gather(root.dtype.nd4j, root.dtype.size, data, t.storage.offset + t.offset,
                        t.size, t.stride, order));
            }
        }
        return walk(tree, leaf -> {
            if (leaf instanceof TensorRef) {
                return built.get(leaf);
            } else if (leaf instanceof StorageRef s) {
                return built.computeIfAbsent(s, k -> storageArray(s, bytes, order));
            } else if (leaf instanceof Numpy.Array a) {
                return built.computeIfAbsent(a, k -> numpyArray(a));
            } else if (leaf instanceof Numpy.Dtype d) {
                return d.toInert();
            } else if (leaf instanceof Allowlist.Global g) {
                return g.toInert();
            }
            return leaf;
        });
    }

    /** A storage left in the tree as a value: its elements as a 1-D array. */
    private static INDArray storageArray(StorageRef s, StorageBytes bytes, ByteOrder order) {
        if (s.dtype.nd4j == null) {
            throw new CheckpointProblem("the checkpoint holds a " + s.dtype.torchName() + " storage, which ND4J has no"
                    + " type for");
        }
        try {
            return Tensors.gather(s.dtype.nd4j, s.dtype.size, bytes.load(s.root), s.offset, new long[] {s.numel},
                    new long[] {1}, order);
        } catch (IOException e) {
            throw new CheckpointProblem("cannot read storage '" + s.key + "': " + oneLine(e));
        }
    }

    private static INDArray numpyArray(Numpy.Array a) {
        if (a.data == null) {
            throw new CheckpointProblem("malformed pickle: a numpy array without its state");
        }
        TorchDtype t = a.dtype.torch();
        if (t == null) {
            throw new CheckpointProblem("the checkpoint holds a numpy array of dtype " + a.dtype.descr
                    + ", which has no ND4J type");
        }
        long numel = 1;
        for (long s : a.shape) {
            numel = Math.multiplyExact(numel, s);
        }
        if (Math.multiplyExact(numel, (long) t.size) != a.data.length) {
            throw new CheckpointProblem("a numpy array of shape " + Arrays.toString(a.shape) + " and dtype "
                    + a.dtype.descr + " with " + a.data.length + " bytes of data");
        }
        long[] strides = a.fortran ? Tensors.fortranStrides(a.shape) : Tensors.contiguousStrides(a.shape);
        return Tensors.gather(t.nd4j, t.size, a.data, 0, a.shape, strides,
                a.dtype.bigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Visits every container of the tree once (cycles and shared parts included, without recursion) and replaces
     * each leaf by {@code leaf.apply(value)}; containers are changed in place and the root's replacement returned.
     */
    private static Object walk(Object tree, UnaryOperator<Object> leaf) {
        Set<Object> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object> todo = new ArrayDeque<>();
        Object root = visit(tree, leaf, visited, todo);
        while (!todo.isEmpty()) {
            Object c = todo.pop();
            if (c instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<Object, Object> map = (Map<Object, Object>) m;
                List<Object[]> entries = new ArrayList<>(map.size());
                boolean changed = false;
                for (Map.Entry<Object, Object> e : map.entrySet()) {
                    Object k = visit(e.getKey(), leaf, visited, todo);
                    Object v = visit(e.getValue(), leaf, visited, todo);
                    changed |= k != e.getKey() || v != e.getValue();
                    entries.add(new Object[] {k, v});
                }
                if (changed) {
                    map.clear();
                    for (Object[] kv : entries) {
                        map.put(kv[0], kv[1]);
                    }
                }
            } else if (c instanceof PyTuple t) {
                for (int i = 0; i < t.size(); i++) {
                    t.replace(i, visit(t.get(i), leaf, visited, todo));
                }
            } else if (c instanceof List<?> l) {
                @SuppressWarnings("unchecked")
                List<Object> list = (List<Object>) l;
                for (int i = 0; i < list.size(); i++) {
                    list.set(i, visit(list.get(i), leaf, visited, todo));
                }
            } else if (c instanceof Set<?> s) {
                @SuppressWarnings("unchecked")
                Set<Object> set = (Set<Object>) s;
                List<Object> items = new ArrayList<>(set.size());
                boolean changed = false;
                for (Object o : set) {
                    Object n = visit(o, leaf, visited, todo);
                    changed |= n != o;
                    items.add(n);
                }
                if (changed) {
                    set.clear();
                    set.addAll(items);
                }
            } else if (c instanceof InertObject io) {
                List<Object> args = io.rawArgs();
                for (int i = 0; i < args.size(); i++) {
                    args.set(i, visit(args.get(i), leaf, visited, todo));
                }
                io.setState(visit(io.state(), leaf, visited, todo));
            }
        }
        return root;
    }

    /** A container is queued (once) and kept; anything else is a leaf and replaced. */
    private static Object visit(Object o, UnaryOperator<Object> leaf, Set<Object> visited, Deque<Object> todo) {
        if (o instanceof Map<?, ?> || o instanceof List<?> || o instanceof Set<?> || o instanceof InertObject) {
            if (visited.add(o)) {
                todo.push(o);
            }
            return o;
        }
        return o == null ? null : leaf.apply(o);
    }

    // ------------------------------------------------------------------------------------------------------ helpers

    private static boolean startsWith(byte[] h, int... prefix) {
        if (h.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((h[i] & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage();
        String s = e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        return Allowlist.printable(s.replace('\n', ' ').replace('\r', ' '));
    }

}
