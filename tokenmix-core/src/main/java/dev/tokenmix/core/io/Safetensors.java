package dev.tokenmix.core.io;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads and writes <a href="https://github.com/huggingface/safetensors">safetensors</a> files, the
 * weights format of the Hugging Face hub and of timm: an 8-byte little-endian unsigned header length
 * {@code N}, then {@code N} bytes of UTF-8 JSON
 * {@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__": {str: str}}},
 * then the data buffer, where each tensor is C-order little-endian at its offsets relative to the buffer
 * start. Use it to import official checkpoints and to export weights for Python; unlike a pickle it cannot
 * run code, and every size in it is checked before anything is allocated.
 *
 * <h2>What the reader enforces</h2>
 * The same rules as the reference implementation (the Rust crate behind the Python package), checked
 * before any tensor memory is allocated or any tensor byte is read, each failure a one-line
 * {@link WeightsFormatException}:
 * <ul>
 *   <li>the file has at least 8 bytes; the header length is at most {@value #MAX_HEADER_BYTES} bytes and
 *       at most the file size minus 8;</li>
 *   <li>the header is valid UTF-8 and one JSON object, followed by nothing but JSON whitespace (writers pad
 *       with spaces); {@code __metadata__}, when present, maps strings to strings (or is {@code null});</li>
 *   <li>every other entry is an object with a known {@code dtype} string, a {@code shape} array of
 *       non-negative integers and a {@code data_offsets} array of exactly two non-negative integers
 *       (other fields are ignored, as by the reference);</li>
 *   <li>the element count times the dtype size neither overflows nor differs from {@code end - begin};</li>
 *   <li>sorted by offset, the tensors tile the data buffer exactly: the first starts at 0, each starts where
 *       the previous ends (no overlap, no gap), and the last ends at the end of the file (no trailing bytes).</li>
 * </ul>
 * Names and strings with an unpaired UTF-16 surrogate (from a JSON <code>&#92;u</code> escape) are refused, as by
 * the reference. Stricter than the reference, on purpose: a tensor name or metadata key given twice is
 * refused (the reference keeps the last one silently); a shape dimension above 2<sup>63</sup>-1, more than
 * 32 dimensions (ND4J's limit), or non-zero dimensions whose product overflows a long even when another
 * dimension is 0 are refused. Before a tensor's memory is allocated, a tensor larger than the physical memory
 * available is refused: ND4J does not check its allocations, and a valid header of a large or sparse file
 * could otherwise crash the JVM.
 *
 * <h2>Types</h2>
 * Each {@link Dtype} reads as the ND4J type of the same width and meaning (F16 as HALF, BF16 as BFLOAT16,
 * U16/U32/U64 as UINT16/UINT32/UINT64, BOOL as BOOL with every non-zero byte read as true). F8_E4M3 and
 * F8_E5M2 have no ND4J type and read as HALF, exactly (every such value is a half). The other dtypes the
 * format knows (F4, F6_*, F8_E8M0, the FNUZ variants, C64) are refused with a message. {@link #toFloat}
 * and {@link #toDouble} convert any result for computation.
 *
 * <h2>Order</h2>
 * Tensors come back in the order of their data in the file (by offset). The writer keeps the caller's
 * order except that it groups tensors by decreasing element size, as the reference writer does, so that
 * every tensor's data is aligned to its element size; a map of one dtype reads back in its own order.
 *
 * <p>{@link #read(Path)} loads every tensor; {@link #open(Path)} reads the header only and then one tensor
 * at a time with positioned reads, so a large file never has to fit in memory at once.
 */
public final class Safetensors {
    /** The largest header accepted, as in the reference implementation (100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String METADATA_KEY = "__metadata__";
    private static final int MAX_NAME_IN_MESSAGE = 80;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength((int) MAX_HEADER_BYTES)
                    .maxNameLength((int) MAX_HEADER_BYTES)
                    .maxNestingDepth(64)
                    .build())
            .build();

    /** Dtypes that the format defines and tokenmix refuses, because ND4J has no type to hold them. */
    private static final Set<String> KNOWN_UNSUPPORTED =
            Set.of("F4", "F6_E2M3", "F6_E3M2", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "C64");

    private Safetensors() {
    }

    /** A safetensors element type: its name in the header, its size and the ND4J type it reads as. */
    public enum Dtype {
        F64(8, DataType.DOUBLE),
        F32(4, DataType.FLOAT),
        F16(2, DataType.FLOAT16),
        BF16(2, DataType.BFLOAT16),
        I64(8, DataType.INT64),
        I32(4, DataType.INT32),
        I16(2, DataType.INT16),
        I8(1, DataType.INT8),
        U64(8, DataType.UINT64),
        U32(4, DataType.UINT32),
        U16(2, DataType.UINT16),
        U8(1, DataType.UINT8),
        BOOL(1, DataType.BOOL),
        /** 8-bit float, 4 exponent bits, 3 mantissa bits, no infinities (PyTorch float8_e4m3fn); read-only. */
        F8_E4M3(1, DataType.FLOAT16),
        /** 8-bit float, 5 exponent bits, 2 mantissa bits (PyTorch float8_e5m2); read-only. */
        F8_E5M2(1, DataType.FLOAT16);

        private final int bytes;
        private final DataType readType;

        Dtype(int bytes, DataType readType) {
            this.bytes = bytes;
            this.readType = readType;
        }

        /** Bytes per element in the file. */
        public int bytes() {
            return bytes;
        }

        /** The ND4J type that reading produces. */
        public DataType readType() {
            return readType;
        }

        /** The dtype written for an ND4J type; IllegalArgumentException for types safetensors cannot hold. */
        public static Dtype of(DataType type) {
            for (Dtype d : values()) {
                if (d.readType == type && d != F8_E4M3 && d != F8_E5M2) {
                    return d;
                }
            }
            throw new IllegalArgumentException("safetensors has no dtype for ND4J type " + type);
        }

        static Dtype parse(String s) {
            for (Dtype d : values()) {
                if (d.name().equals(s)) {
                    return d;
                }
            }
            return null;
        }
    }

    /**
     * One tensor's header entry.
     *
     * @param name  the key
     * @param dtype the element type in the file
     * @param shape the dimensions (empty for a 0-d tensor); the accessor returns a copy
     * @param begin the first byte, relative to the data buffer
     * @param end   one past the last byte, relative to the data buffer
     */
    public record TensorInfo(String name, Dtype dtype, long[] shape, long begin, long end) {
        public TensorInfo {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dtype, "dtype");
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public int rank() {
            return shape.length;
        }

        /** Number of elements (1 for a 0-d tensor). */
        public long length() {
            return IoSupport.elementCount(shape);
        }

        public long byteSize() {
            return end - begin;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype
                    && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
        }

        @Override
        public String toString() {
            return name + ": " + dtype + " " + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
        }
    }

    /**
     * Everything in a file.
     *
     * @param tensors  the tensors in file order (by offset); a fresh map the caller owns
     * @param metadata the {@code __metadata__} strings in header order, unmodifiable (empty when absent)
     */
    public record Contents(LinkedHashMap<String, INDArray> tensors, Map<String, String> metadata) {
        /** The tensors converted to FLOAT (those already FLOAT are kept as they are), in the same order. */
        public LinkedHashMap<String, INDArray> asFloat() {
            LinkedHashMap<String, INDArray> out = new LinkedHashMap<>();
            tensors.forEach((k, v) -> out.put(k, toFloat(v)));
            return out;
        }
    }

    /** Reads every tensor and the metadata of {@code path}. */
    public static Contents read(Path path) throws IOException {
        try (SafetensorsFile f = open(path)) {
            return new Contents(f.readAll(), f.metadata());
        }
    }

    /**
     * Opens {@code path} and validates its header; the tensors are read on demand with
     * {@link SafetensorsFile#read(String)}. Close it when done.
     */
    public static SafetensorsFile open(Path path) throws IOException {
        IoSupport.Source src = IoSupport.open(path);
        try {
            return new SafetensorsFile(path, src, parseHeader(src));
        } catch (IOException | RuntimeException | Error e) {
            src.close();
            throw e;
        }
    }

    /** {@link #write(Path, Map, Map)} without metadata. */
    public static void write(Path path, Map<String, INDArray> tensors) throws IOException {
        write(path, tensors, Map.of());
    }

    /**
     * Writes {@code tensors} to {@code path} with each array's own dtype, C-order little-endian, the header
     * padded with spaces to a multiple of 8 bytes, and {@code metadata} (may be empty or null) as
     * {@code __metadata__}. Tensors are grouped by decreasing element size and otherwise keep the map's
     * order. The file is written under a temporary name in the same directory and renamed over
     * {@code path} when complete, so {@code path} never holds a partial file.
     *
     * @throws IllegalArgumentException for a null or reserved ({@code __metadata__}) name, a null array,
     *                                  or an ND4J type safetensors cannot hold (UTF8, COMPRESSED)
     */
    public static void write(Path path, Map<String, INDArray> tensors, Map<String, String> metadata)
            throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(tensors, "tensors");
        Map<String, String> meta = metadata == null ? Map.of() : metadata;
        List<Entry> entries = new ArrayList<>(tensors.size());
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            String name = e.getKey();
            INDArray a = e.getValue();
            if (name == null) {
                throw new IllegalArgumentException(path + ": a tensor name is null");
            }
            if (name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException(path + ": '" + METADATA_KEY
                        + "' is reserved for the metadata and cannot name a tensor");
            }
            if (a == null) {
                throw new IllegalArgumentException(path + ": tensor " + quote(name) + " is null");
            }
            if (unpairedSurrogate(name) >= 0) {
                throw new IllegalArgumentException(path + ": tensor name " + quote(name)
                        + " is not valid Unicode (an unpaired surrogate)");
            }
            Dtype dtype;
            try {
                dtype = Dtype.of(a.dataType());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(path + ": tensor " + quote(name) + ": " + ex.getMessage());
            }
            entries.add(new Entry(name, a, dtype));
        }
        for (Map.Entry<String, String> e : meta.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException(path + ": metadata keys and values must not be null");
            }
            if (unpairedSurrogate(e.getKey()) >= 0 || unpairedSurrogate(e.getValue()) >= 0) {
                throw new IllegalArgumentException(path + ": metadata entry " + quote(e.getKey())
                        + " is not valid Unicode (an unpaired surrogate)");
            }
        }
        // Stable: the caller's order within each element size.
        entries.sort(Comparator.comparingInt((Entry en) -> en.dtype.bytes()).reversed());

        ByteArrayOutputStream json = new ByteArrayOutputStream();
        long offset = 0;
        try (JsonGenerator g = JSON.createGenerator(json, JsonEncoding.UTF8)) {
            g.writeStartObject();
            if (!meta.isEmpty()) {
                g.writeObjectFieldStart(METADATA_KEY);
                for (Map.Entry<String, String> e : meta.entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            for (Entry en : entries) {
                long[] shape = en.array.shape();
                long size = Math.multiplyExact(en.array.length(), (long) en.dtype.bytes());
                g.writeObjectFieldStart(en.name);
                g.writeStringField("dtype", en.dtype.name());
                g.writeArrayFieldStart("shape");
                for (long d : shape) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(offset);
                g.writeNumber(offset + size);
                g.writeEndArray();
                g.writeEndObject();
                offset += size;
            }
            g.writeEndObject();
        }
        int unpadded = json.size();
        int padded = (unpadded + 7) & ~7;
        if (padded > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException(path + ": the header would take " + padded
                    + " bytes, above the format's limit of " + MAX_HEADER_BYTES + " (too many or too long names)");
        }
        for (int i = unpadded; i < padded; i++) {
            json.write(' ');
        }
        byte[] header = json.toByteArray();
        IoSupport.writeAtomically(path, ch -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
            IoSupport.writeFully(ch, len.flip());
            IoSupport.writeFully(ch, ByteBuffer.wrap(header));
            for (Entry en : entries) {
                IoSupport.writeLittleEndian(IoSupport.contiguousC(en.array), ch);
            }
        });
    }

    private record Entry(String name, INDArray array, Dtype dtype) {
    }

    /** {@code a} as FLOAT: itself when it already is, else a converted copy (BOOL gives 0 and 1). */
    public static INDArray toFloat(INDArray a) {
        return a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
    }

    /** {@code a} as DOUBLE: itself when it already is, else a converted copy (BOOL gives 0 and 1). */
    public static INDArray toDouble(INDArray a) {
        return a.dataType() == DataType.DOUBLE ? a : a.castTo(DataType.DOUBLE);
    }

    // ---------------------------------------------------------------------------------------------
    // Header parsing and validation

    /** A validated header: tensors in offset order and where the data buffer starts in the file. */
    record Header(List<TensorInfo> tensors, Map<String, TensorInfo> byName, Map<String, String> metadata,
                  long dataStart) {
    }

    static Header parseHeader(IoSupport.Source src) throws IOException {
        String file = src.name();
        long size = src.size();
        if (size < 8) {
            throw new WeightsFormatException(file + ": " + size + " bytes is too short for a safetensors file,"
                    + " which starts with an 8-byte header length" + sniff(src));
        }
        ByteBuffer lenBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        src.readFully(0, lenBytes);
        long n = lenBytes.getLong(0);
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new WeightsFormatException(file + ": header length " + Long.toUnsignedString(n)
                    + " is above the " + MAX_HEADER_BYTES + "-byte limit; not a safetensors file, or a corrupt one"
                    + sniff(src));
        }
        if (n > size - 8) {
            throw new WeightsFormatException(file + ": header length " + n + " but only " + (size - 8)
                    + " bytes follow the length field; the file is truncated or not safetensors" + sniff(src));
        }
        byte[] raw = IoSupport.readBytes(src, 8, (int) n);
        String text = decodeUtf8(raw, file);

        List<TensorInfo> inHeaderOrder = new ArrayList<>();
        Map<String, TensorInfo> byName = new HashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        boolean sawMetadata = false;
        try (JsonParser p = JSON.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                throw new WeightsFormatException(file + ": the header must be a JSON object, found "
                        + describe(t, p) + sniff(src));
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = checkUnicode(p.currentName(), file, "a tensor name");
                p.nextToken();
                if (name.equals(METADATA_KEY)) {
                    if (sawMetadata) {
                        throw new WeightsFormatException(file + ": '" + METADATA_KEY + "' appears twice in the header");
                    }
                    sawMetadata = true;
                    parseMetadata(p, file, metadata);
                } else {
                    if (byName.containsKey(name)) {
                        throw new WeightsFormatException(file + ": tensor " + quote(name)
                                + " appears twice in the header; the file is ambiguous");
                    }
                    TensorInfo info = parseTensor(p, file, name);
                    byName.put(name, info);
                    inHeaderOrder.add(info);
                }
            }
            if (p.nextToken() != null) {
                throw new WeightsFormatException(file + ": the header has content after its JSON object"
                        + " (only spaces may pad it)");
            }
        } catch (JsonProcessingException e) {
            String at = e.getLocation() == null ? "" : " (at header character " + e.getLocation().getCharOffset() + ")";
            throw new WeightsFormatException(file + ": the header is not valid JSON: " + oneLine(e.getOriginalMessage())
                    + at, e);
        }
        long dataStart = 8 + n;
        long bufferLength = size - dataStart;
        List<TensorInfo> sorted = validateLayout(file, inHeaderOrder, bufferLength);
        return new Header(Collections.unmodifiableList(sorted), Collections.unmodifiableMap(byName),
                Collections.unmodifiableMap(metadata), dataStart);
    }

    private static String decodeUtf8(byte[] raw, String file) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(raw);
        try {
            CharBuffer chars = dec.decode(in);
            return chars.toString();
        } catch (MalformedInputException e) {
            throw new WeightsFormatException(file + ": the header is not valid UTF-8 (bad byte at header offset "
                    + in.position() + "); not a safetensors file, or a corrupt one", e);
        } catch (CharacterCodingException e) {
            throw new WeightsFormatException(file + ": the header is not valid UTF-8; not a safetensors file", e);
        }
    }

    private static void parseMetadata(JsonParser p, String file, Map<String, String> out) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return;
        }
        if (t != JsonToken.START_OBJECT) {
            throw new WeightsFormatException(file + ": '" + METADATA_KEY + "' must be an object of strings, found "
                    + describe(t, p));
        }
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String key = checkUnicode(p.currentName(), file, "a metadata key");
            t = p.nextToken();
            if (t != JsonToken.VALUE_STRING) {
                throw new WeightsFormatException(file + ": metadata entry " + quote(key)
                        + " must be a string, found " + describe(t, p));
            }
            String value = checkUnicode(p.getText(), file, "metadata entry " + quote(key));
            if (out.putIfAbsent(key, value) != null) {
                throw new WeightsFormatException(file + ": metadata entry " + quote(key) + " appears twice");
            }
        }
    }

    private static TensorInfo parseTensor(JsonParser p, String file, String name) throws IOException {
        String where = file + ": tensor " + quote(name);
        JsonToken t = p.currentToken();
        if (t != JsonToken.START_OBJECT) {
            throw new WeightsFormatException(where + " must be an object with dtype, shape and data_offsets, found "
                    + describe(t, p));
        }
        String dtypeName = null;
        long[] shape = null;
        long[] offsets = null;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            t = p.nextToken();
            switch (field) {
                case "dtype" -> {
                    if (dtypeName != null) {
                        throw new WeightsFormatException(where + ": field \"dtype\" appears twice");
                    }
                    if (t != JsonToken.VALUE_STRING) {
                        throw new WeightsFormatException(where + ": \"dtype\" must be a string, found " + describe(t, p));
                    }
                    dtypeName = p.getText();
                }
                case "shape" -> {
                    if (shape != null) {
                        throw new WeightsFormatException(where + ": field \"shape\" appears twice");
                    }
                    shape = longArray(p, where, "shape", -1);
                }
                case "data_offsets" -> {
                    if (offsets != null) {
                        throw new WeightsFormatException(where + ": field \"data_offsets\" appears twice");
                    }
                    offsets = longArray(p, where, "data_offsets", 2);
                }
                default -> p.skipChildren();
            }
        }
        if (dtypeName == null || shape == null || offsets == null) {
            String missing = dtypeName == null ? "dtype" : shape == null ? "shape" : "data_offsets";
            throw new WeightsFormatException(where + " has no \"" + missing + "\" field");
        }
        Dtype dtype = Dtype.parse(dtypeName);
        if (dtype == null) {
            if (KNOWN_UNSUPPORTED.contains(dtypeName)) {
                throw new WeightsFormatException(where + " has dtype " + dtypeName
                        + ", which tokenmix cannot load (ND4J has no such type); convert it to F32, F16 or BF16"
                        + " in Python before loading");
            }
            throw new WeightsFormatException(where + " has unknown dtype " + quote(dtypeName)
                    + "; expected one of " + Arrays.toString(Dtype.values()));
        }
        return new TensorInfo(name, dtype, shape, offsets[0], offsets[1]);
    }

    /**
     * {@code s} when it is well-formed Unicode. JSON <code>&#92;u</code> escapes can encode a lone UTF-16 surrogate,
     * which no UTF-8 text can hold; the reference implementation refuses it, and so do we.
     */
    private static String checkUnicode(String s, String file, String what) {
        int bad = unpairedSurrogate(s);
        if (bad >= 0) {
            throw new WeightsFormatException(file + ": " + what + " " + quote(s) + " contains an unpaired surrogate"
                    + " escape (\\u" + Integer.toHexString(s.charAt(bad)) + "), which is not valid Unicode");
        }
        return s;
    }

    /** The index of the first UTF-16 surrogate in {@code s} that is not half of a pair, or -1. */
    private static int unpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /** A JSON array of non-negative integers, of exactly {@code expectedLength} elements when that is >= 0. */
    private static long[] longArray(JsonParser p, String where, String field, int expectedLength) throws IOException {
        JsonToken t = p.currentToken();
        String what = expectedLength == 2 ? "an array of two non-negative integers [begin, end]"
                : "an array of non-negative integers";
        if (t != JsonToken.START_ARRAY) {
            throw new WeightsFormatException(where + ": \"" + field + "\" must be " + what + ", found " + describe(t, p));
        }
        long[] out = new long[4];
        int n = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT) {
                throw new WeightsFormatException(where + ": \"" + field + "\" must be " + what + ", found "
                        + describe(t, p));
            }
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw new WeightsFormatException(where + ": \"" + field + "\" value " + oneLine(p.getText())
                        + " is too large (at most 2^63-1)");
            }
            long v = p.getLongValue();
            if (v < 0) {
                throw new WeightsFormatException(where + ": \"" + field + "\" value " + v + " is negative");
            }
            if (expectedLength >= 0 ? n == expectedLength : n == IoSupport.MAX_RANK) {
                String limit = expectedLength >= 0 ? "exactly " + expectedLength
                        : "at most " + IoSupport.MAX_RANK + " (ND4J's rank limit)";
                throw new WeightsFormatException(where + ": \"" + field + "\" has more than " + n
                        + " values; it must have " + limit);
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, out.length * 2);
            }
            out[n++] = v;
        }
        if (expectedLength >= 0 && n != expectedLength) {
            throw new WeightsFormatException(where + ": \"" + field + "\" has " + n + " values; it must be " + what);
        }
        return Arrays.copyOf(out, n);
    }

    /** Per-tensor size checks, then the tiling of the data buffer; returns the tensors sorted by offset. */
    private static List<TensorInfo> validateLayout(String file, List<TensorInfo> tensors, long bufferLength) {
        for (TensorInfo t : tensors) {
            String where = file + ": tensor " + quote(t.name());
            long count = t.length();
            long bytes = count < 0 ? -1 : multiplyOrMinusOne(count, t.dtype().bytes());
            if (bytes < 0) {
                throw new WeightsFormatException(where + ": shape " + Arrays.toString(t.shape())
                        + " of " + t.dtype() + " is too large to address (its size overflows 64 bits)");
            }
            if (t.end() < t.begin()) {
                throw new WeightsFormatException(where + ": data_offsets [" + t.begin() + ", " + t.end()
                        + "] end before they begin");
            }
            if (t.end() - t.begin() != bytes) {
                throw new WeightsFormatException(where + ": shape " + Arrays.toString(t.shape()) + " of " + t.dtype()
                        + " needs " + bytes + " bytes but data_offsets [" + t.begin() + ", " + t.end() + "] span "
                        + (t.end() - t.begin()));
            }
            if (t.end() > bufferLength) {
                throw new WeightsFormatException(where + ": data_offsets [" + t.begin() + ", " + t.end()
                        + "] reach past the end of the data (" + bufferLength
                        + " bytes); the file is truncated; download or export it again");
            }
        }
        List<TensorInfo> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expected = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            if (t.begin() < expected) {
                throw new WeightsFormatException(file + ": tensors " + quote(previous.name()) + " and "
                        + quote(t.name()) + " overlap (bytes " + t.begin() + " to " + expected + ")");
            }
            if (t.begin() > expected) {
                throw new WeightsFormatException(file + ": bytes " + expected + " to " + t.begin()
                        + " of the data belong to no tensor (before " + quote(t.name())
                        + "); safetensors requires the tensors to cover the data contiguously");
            }
            expected = t.end();
            previous = t;
        }
        if (expected != bufferLength) {
            throw new WeightsFormatException(file + ": " + (bufferLength - expected)
                    + " bytes follow the last tensor's data; safetensors requires the data to end the file");
        }
        return sorted;
    }

    private static long multiplyOrMinusOne(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    /** What a JSON token is, for messages. */
    private static String describe(JsonToken t, JsonParser p) throws IOException {
        if (t == null) {
            return "the end of the header";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "the string " + quote(p.getText());
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + oneLine(p.getText());
            case VALUE_TRUE, VALUE_FALSE -> p.getText();
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : t.asString();
        };
    }

    /** A hint when the first bytes say what the file is instead. */
    private static String sniff(IoSupport.Source src) {
        try {
            int n = (int) Math.min(8, src.size());
            byte[] b = IoSupport.readBytes(src, 0, n);
            if (n >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4) {
                return " (it is a zip archive: a PyTorch .pth/.pt checkpoint or an .npz?)";
            }
            if (n >= 6 && (b[0] & 0xFF) == 0x93 && b[1] == 'N' && b[2] == 'U' && b[3] == 'M' && b[4] == 'P' && b[5] == 'Y') {
                return " (it is a NumPy .npy file: read it with Npy.read)";
            }
            if (n >= 2 && (b[0] & 0xFF) == 0x80 && b[1] >= 2 && b[1] <= 5) {
                return " (it is a Python pickle: a legacy PyTorch checkpoint?)";
            }
            return "";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** A name for a one-line message: quoted, control characters escaped, long names shortened. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("'");
        int limit = Math.min(s.length(), MAX_NAME_IN_MESSAGE);
        for (int i = 0; i < limit; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029 || Character.isSurrogate(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (s.length() > limit) {
            b.append("...(").append(s.length()).append(" chars)");
        }
        return b.append('\'').toString();
    }

    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        String flat = s.replaceAll("[\\r\\n\\u2028\\u2029]+", " ");
        return flat.length() > 200 ? flat.substring(0, 200) + "..." : flat;
    }

    // ---------------------------------------------------------------------------------------------
    // FP8 decoding

    private static final short[] E4M3_TO_HALF = new short[256];

    static {
        for (int b = 0; b < 256; b++) {
            int sign = (b & 0x80) << 8;
            int e = (b >> 3) & 0xF;
            int m = b & 7;
            int half;
            if (e == 15 && m == 7) {
                half = 0x7E00; // NaN
            } else if (e == 0 && m == 0) {
                half = 0;
            } else if (e == 0) {
                // subnormal m * 2^-9, a normal half: normalise the mantissa
                int shift = Integer.numberOfLeadingZeros(m) - 29; // m in 1..7: leading bit at position 2 - shift
                int exp = -7 - shift;                              // value = (m << shift) / 4 * 2^(exp)
                int frac = ((m << shift) & 3) << 8;                // two fraction bits into the 10-bit field
                half = ((exp + 15) << 10) | frac;
            } else {
                half = ((e + 8) << 10) | (m << 7);
            }
            E4M3_TO_HALF[b] = (short) (sign | half);
        }
    }

    /** The half-precision bits of an F8_E4M3 byte (exact). */
    static short e4m3ToHalf(int b) {
        return E4M3_TO_HALF[b & 0xFF];
    }

    /** The half-precision bits of an F8_E5M2 byte (exact: E5M2 is the upper byte of a half). */
    static short e5m2ToHalf(int b) {
        return (short) ((b & 0xFF) << 8);
    }
}
