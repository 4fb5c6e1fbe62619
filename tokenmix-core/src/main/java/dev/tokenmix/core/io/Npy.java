package dev.tokenmix.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads and writes NumPy <a href="https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html">
 * {@code .npy}</a> files, correctly where ND4J's own reader is not ({@code Nd4j.createFromNpyFile} ignores
 * {@code fortran_order} and aborts the JVM on a big-endian file; never call it on untrusted input).
 *
 * <p>The format: the magic {@code \x93NUMPY}, a major and minor version byte, the header length (2 bytes
 * little-endian in version 1.0, 4 bytes in 2.0 and 3.0), a header that is a Python dict literal
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }} (Latin-1, UTF-8 in 3.0) padded with
 * spaces and ended by a newline, then the raw elements.
 *
 * <p>Reading accepts versions 1.0, 2.0 and 3.0; the element types {@code f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8
 * b1} in little-endian ({@code <}), big-endian ({@code >}, converted in Java), native ({@code =}) or
 * not-applicable ({@code |}) byte order, read as HALF, FLOAT, DOUBLE, BYTE, SHORT, INT, LONG, UBYTE,
 * UINT16, UINT32, UINT64 and BOOL (non-zero bytes are true); {@code fortran_order: True} (the result is
 * always C order with the same element values); 0-d arrays and empty arrays. Before allocating anything
 * it checks the magic string, the version, the header length (at most {@value #MAX_HEADER_BYTES} bytes
 * and within the file), that the header is exactly a dict of {@code descr}, {@code fortran_order} and
 * {@code shape} with valid values, at most 32 dimensions (ND4J's limit), that the shape times the item
 * size equals the bytes after the header exactly, and that the array fits in the memory available. Object
 * arrays ({@code |O}, whose elements are pickles and are never unpickled here), structured, string, complex
 * and datetime dtypes are refused with a {@link WeightsFormatException} that says so.
 *
 * <p>Writing produces version 1.0, C order, little-endian, the header padded to a multiple of 64 bytes as
 * NumPy does; {@code numpy.load} reads it. Use {@code .npy} to exchange single arrays (test fixtures,
 * features, logits) with NumPy; use {@link Safetensors} for whole sets of weights.
 */
public final class Npy {
    /**
     * The largest header accepted. NumPy writes under 200 bytes for any array this class reads (its own
     * default limit in {@code numpy.load} is 10,000).
     */
    public static final int MAX_HEADER_BYTES = 65_536;

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Set<String> KEYS = Set.of("descr", "fortran_order", "shape");
    private static final int ALIGN = 64;

    private Npy() {
    }

    /** Reads the array in {@code path}. */
    public static INDArray read(Path path) throws IOException {
        try (IoSupport.Source src = IoSupport.open(path)) {
            return read(src);
        }
    }

    /**
     * Reads an array from the complete contents of a {@code .npy} file, for example one member of an
     * {@code .npz} archive; {@code name} labels the data in error messages.
     */
    public static INDArray read(byte[] bytes, String name) {
        try (IoSupport.Source src = IoSupport.of(bytes, name)) {
            return read(src);
        } catch (IOException e) {
            throw new IllegalStateException("in-memory read failed", e);
        }
    }

    @SuppressWarnings("try")
    private static INDArray read(IoSupport.Source src) throws IOException {
        Header h = parseHeader(src);
        long[] allocShape = h.fortranOrder ? reversed(h.shape) : h.shape;
        boolean permute = h.fortranOrder && h.shape.length > 1;
        INDArray a = IoSupport.allocate(h.type, allocShape, permute ? 2 : 1, src.name() + ": the .npy array");
        IoSupport.fill(a, src, h.dataStart, h.order);
        if (h.type == DataType.BOOL) {
            IoSupport.normalizeBool(a);
        }
        if (permute && !a.isEmpty()) {
            int[] axes = new int[h.shape.length];
            for (int i = 0; i < axes.length; i++) {
                axes[i] = axes.length - 1 - i;
            }
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                a = a.permute(axes).dup('c');
            }
        } else if (h.fortranOrder && a.isEmpty()) {
            a = IoSupport.allocate(h.type, h.shape);
        }
        return a;
    }

    /**
     * Writes {@code array} to {@code path} as a version 1.0 {@code .npy}: its own element type, C order,
     * little-endian. The file is written under a temporary name in the same directory and renamed over
     * {@code path} when complete.
     *
     * @throws IllegalArgumentException for an ND4J type NumPy has no equivalent of (BFLOAT16: convert it
     *                                  with {@link Safetensors#toFloat} or write safetensors; UTF8; COMPRESSED)
     */
    public static void write(Path path, INDArray array) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(array, "array");
        String descr = descr(array.dataType(), path);
        byte[] header = header(descr, array.shape());
        IoSupport.writeAtomically(path, ch -> {
            IoSupport.writeFully(ch, ByteBuffer.wrap(header));
            IoSupport.writeLittleEndian(IoSupport.contiguousC(array), ch);
        });
    }

    private static String descr(DataType type, Path path) {
        String d = DESCR.get(type);
        if (d != null) {
            return d;
        }
        if (type == DataType.BFLOAT16) {
            throw new IllegalArgumentException(path + ": NumPy has no bfloat16 type; convert the array with"
                    + " Safetensors.toFloat first, or write safetensors, which has BF16");
        }
        throw new IllegalArgumentException(path + ": NumPy .npy cannot hold ND4J type " + type);
    }

    private static final Map<DataType, String> DESCR = Map.ofEntries(
            Map.entry(DataType.DOUBLE, "<f8"), Map.entry(DataType.FLOAT, "<f4"), Map.entry(DataType.FLOAT16, "<f2"),
            Map.entry(DataType.INT64, "<i8"), Map.entry(DataType.INT32, "<i4"), Map.entry(DataType.INT16, "<i2"),
            Map.entry(DataType.INT8, "|i1"), Map.entry(DataType.UINT64, "<u8"), Map.entry(DataType.UINT32, "<u4"),
            Map.entry(DataType.UINT16, "<u2"), Map.entry(DataType.UINT8, "|u1"), Map.entry(DataType.BOOL, "|b1"));

    /** The complete prefix (magic, version, length, header, newline) for a C-order array. */
    static byte[] header(String descr, long[] shape) {
        StringBuilder sb = new StringBuilder("{'descr': '").append(descr)
                .append("', 'fortran_order': False, 'shape': (");
        for (int i = 0; i < shape.length; i++) {
            sb.append(shape[i]);
            if (shape.length == 1 || i < shape.length - 1) {
                sb.append(i < shape.length - 1 ? ", " : ",");
            }
        }
        sb.append("), }");
        byte[] dict = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        boolean v1 = dict.length + 1 + 10 + ALIGN <= 0xFFFF;
        int prefix = v1 ? 10 : 12;
        int total = prefix + dict.length + 1;
        int padded = (total + ALIGN - 1) / ALIGN * ALIGN;
        int headerLen = padded - prefix;
        ByteBuffer b = ByteBuffer.allocate(padded).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) (v1 ? 1 : 2)).put((byte) 0);
        if (v1) {
            b.putShort((short) headerLen);
        } else {
            b.putInt(headerLen);
        }
        b.put(dict);
        while (b.position() < padded - 1) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        return b.array();
    }

    // ---------------------------------------------------------------------------------------------
    // Reading the header

    private record Header(DataType type, ByteOrder order, boolean fortranOrder, long[] shape, long dataStart) {
    }

    private static Header parseHeader(IoSupport.Source src) throws IOException {
        String file = src.name();
        long size = src.size();
        byte[] start = IoSupport.readBytes(src, 0, (int) Math.min(size, 12));
        if (start.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(start, MAGIC.length), MAGIC)) {
            String hint = start.length >= 4 && start[0] == 'P' && start[1] == 'K' && start[2] == 3 && start[3] == 4
                    ? " (it is a zip archive: an .npz? read its members one by one)"
                    : " (it does not start with \\x93NUMPY)";
            throw new WeightsFormatException(file + ": not a NumPy .npy file" + hint);
        }
        if (start.length < 8) {
            throw new WeightsFormatException(file + ": .npy file ends inside its version field (" + size + " bytes)");
        }
        int major = start[6] & 0xFF;
        int minor = start[7] & 0xFF;
        if (major < 1 || major > 3 || minor != 0) {
            throw new WeightsFormatException(file + ": unsupported .npy format version " + major + "." + minor
                    + " (supported: 1.0, 2.0, 3.0)");
        }
        int prefix = major == 1 ? 10 : 12;
        if (size < prefix) {
            throw new WeightsFormatException(file + ": .npy file ends inside its header length field ("
                    + size + " bytes); the file is truncated");
        }
        ByteBuffer lb = ByteBuffer.wrap(start).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = major == 1 ? lb.getShort(8) & 0xFFFFL : lb.getInt(8) & 0xFFFFFFFFL;
        if (headerLen > MAX_HEADER_BYTES) {
            throw new WeightsFormatException(file + ": .npy header length " + headerLen + " is above the limit of "
                    + MAX_HEADER_BYTES + " bytes; the file is corrupt (or holds a structured dtype, which is unsupported)");
        }
        if (headerLen > size - prefix) {
            throw new WeightsFormatException(file + ": .npy header length " + headerLen + " but only "
                    + (size - prefix) + " bytes follow; the file is truncated");
        }
        byte[] raw = IoSupport.readBytes(src, prefix, (int) headerLen);
        String text;
        if (major == 3) {
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
            } catch (CharacterCodingException e) {
                throw new WeightsFormatException(file + ": .npy 3.0 header is not valid UTF-8", e);
            }
        } else {
            text = new String(raw, StandardCharsets.ISO_8859_1);
        }
        Object parsed;
        try {
            parsed = new Literal(text).parseAll();
        } catch (LiteralException e) {
            throw new WeightsFormatException(file + ": .npy header is not a valid Python dict literal: "
                    + e.getMessage(), e);
        }
        if (!(parsed instanceof Map<?, ?> dict)) {
            throw new WeightsFormatException(file + ": .npy header must be a dict, found " + kind(parsed));
        }
        if (!dict.keySet().equals(KEYS)) {
            throw new WeightsFormatException(file + ": .npy header must have exactly the keys 'descr', "
                    + "'fortran_order' and 'shape', found " + Safetensors.oneLine(String.valueOf(dict.keySet())));
        }
        Object descr = dict.get("descr");
        if (descr instanceof List) {
            throw new WeightsFormatException(file + ": unsupported structured dtype (a list of fields); save each"
                    + " field as its own array");
        }
        if (!(descr instanceof String d)) {
            throw new WeightsFormatException(file + ": .npy 'descr' must be a dtype string such as '<f4', found "
                    + kind(descr));
        }
        ByteOrder order = ByteOrder.nativeOrder();
        String code = d;
        if (!code.isEmpty() && "<>|=".indexOf(code.charAt(0)) >= 0) {
            char c = code.charAt(0);
            if (c == '<') {
                order = ByteOrder.LITTLE_ENDIAN;
            } else if (c == '>') {
                order = ByteOrder.BIG_ENDIAN;
            }
            code = code.substring(1);
        }
        DataType type = switch (code) {
            case "f2" -> DataType.FLOAT16;
            case "f4" -> DataType.FLOAT;
            case "f8" -> DataType.DOUBLE;
            case "i1" -> DataType.INT8;
            case "i2" -> DataType.INT16;
            case "i4" -> DataType.INT32;
            case "i8" -> DataType.INT64;
            case "u1" -> DataType.UINT8;
            case "u2" -> DataType.UINT16;
            case "u4" -> DataType.UINT32;
            case "u8" -> DataType.UINT64;
            case "b1", "?" -> DataType.BOOL;
            default -> throw new WeightsFormatException(file + ": " + unsupportedDtype(d));
        };
        Object fo = dict.get("fortran_order");
        if (!(fo instanceof Boolean fortran)) {
            throw new WeightsFormatException(file + ": .npy 'fortran_order' must be True or False, found " + kind(fo));
        }
        Object sh = dict.get("shape");
        if (!(sh instanceof Tuple tuple)) {
            throw new WeightsFormatException(file + ": .npy 'shape' must be a tuple of non-negative integers, found "
                    + kind(sh));
        }
        if (tuple.items().size() > IoSupport.MAX_RANK) {
            throw new WeightsFormatException(file + ": .npy shape has " + tuple.items().size()
                    + " dimensions; ND4J supports at most " + IoSupport.MAX_RANK);
        }
        long[] shape = new long[tuple.items().size()];
        for (int i = 0; i < shape.length; i++) {
            Object v = tuple.items().get(i);
            if (!(v instanceof Long dim) || dim < 0) {
                throw new WeightsFormatException(file + ": .npy shape entry " + i + " must be a non-negative integer"
                        + " below 2^63, found " + kind(v));
            }
            shape[i] = dim;
        }
        long count = IoSupport.elementCount(shape);
        long bytes = count < 0 ? -1 : multiplyOrMinusOne(count, type.width());
        if (bytes < 0) {
            throw new WeightsFormatException(file + ": .npy shape " + Arrays.toString(shape)
                    + " is too large to address (its size overflows 64 bits)");
        }
        long dataStart = prefix + headerLen;
        long available = size - dataStart;
        if (available < bytes) {
            throw new WeightsFormatException(file + ": .npy shape " + Arrays.toString(shape) + " of '" + d
                    + "' needs " + bytes + " bytes of data but the file has " + available + "; the file is truncated");
        }
        if (available > bytes) {
            throw new WeightsFormatException(file + ": " + (available - bytes) + " bytes follow the .npy array data"
                    + " (shape " + Arrays.toString(shape) + " of '" + d + "' takes " + bytes
                    + "); the file is corrupt or holds several arrays (np.save called repeatedly on one file?)");
        }
        return new Header(type, order, fortran, shape, dataStart);
    }

    private static String unsupportedDtype(String descr) {
        String q = "'" + Safetensors.oneLine(descr) + "'";
        String code = descr.isEmpty() ? "" : descr.substring("<>|=".indexOf(descr.charAt(0)) >= 0 ? 1 : 0);
        char kind = code.isEmpty() ? ' ' : code.charAt(0);
        return switch (kind) {
            case 'O' -> "object array (dtype " + q + "): its elements are pickled Python objects, which tokenmix never"
                    + " unpickles; save a numeric array instead";
            case 'V' -> "void/structured dtype " + q + " is unsupported; save each field as its own numeric array";
            case 'U', 'S', 'a' -> "string dtype " + q + " is not a numeric array";
            case 'c' -> "complex dtype " + q + " is unsupported (ND4J has no complex type); save real and imaginary"
                    + " parts as two arrays";
            case 'M', 'm' -> "datetime dtype " + q + " is unsupported; convert it to int64 first";
            default -> "unsupported dtype " + q + " (supported: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1, any byte order)";
        };
    }

    private static long multiplyOrMinusOne(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    private static long[] reversed(long[] shape) {
        long[] r = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            r[i] = shape[shape.length - 1 - i];
        }
        return r;
    }

    private static String kind(Object v) {
        if (v == null || v == Literal.NONE) {
            return "None";
        }
        if (v instanceof String s) {
            return "the string '" + Safetensors.oneLine(s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
        }
        if (v instanceof Boolean || v instanceof Long) {
            return String.valueOf(v);
        }
        if (v instanceof Tuple) {
            return "a tuple";
        }
        if (v instanceof List) {
            return "a list";
        }
        if (v instanceof Map) {
            return "a dict";
        }
        return "a too large integer";
    }

    // ---------------------------------------------------------------------------------------------
    // The subset of Python literals that .npy headers use

    private record Tuple(List<Object> items) {
    }

    private static final class LiteralException extends Exception {
        private static final long serialVersionUID = 1L;

        LiteralException(String message) {
            super(message);
        }
    }

    /**
     * A strict reader of Python literals: str (single or double quotes, optional u/b prefix), int (an
     * optional L suffix from Python 2), True, False, None, tuple, list and dict; nesting is bounded.
     */
    private static final class Literal {
        static final Object NONE = new Object();
        static final Object TOO_LARGE = new Object();
        private static final int MAX_DEPTH = 16;
        private final String s;
        private int i;

        Literal(String s) {
            this.s = s;
        }

        Object parseAll() throws LiteralException {
            Object v = value(0);
            skipSpace();
            if (i != s.length()) {
                throw error("unexpected " + describeHere() + " after the literal");
            }
            return v;
        }

        private Object value(int depth) throws LiteralException {
            if (depth > MAX_DEPTH) {
                throw error("nesting deeper than " + MAX_DEPTH);
            }
            skipSpace();
            if (i >= s.length()) {
                throw error("the header ends where a value is expected");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{': {
                    i++;
                    Map<Object, Object> m = new LinkedHashMap<>();
                    while (true) {
                        skipSpace();
                        if (peek('}')) {
                            i++;
                            return m;
                        }
                        int at = i;
                        Object k = value(depth + 1);
                        if (!(k instanceof String)) {
                            i = at;
                            throw error("dict keys must be strings");
                        }
                        skipSpace();
                        expect(':');
                        Object v = value(depth + 1);
                        if (m.put(k, v) != null) {
                            i = at;
                            throw error("key '" + Safetensors.oneLine((String) k) + "' appears twice");
                        }
                        skipSpace();
                        if (peek(',')) {
                            i++;
                        } else if (!peek('}')) {
                            throw error("expected ',' or '}' but found " + describeHere());
                        }
                    }
                }
                case '(':
                case '[': {
                    char close = c == '(' ? ')' : ']';
                    i++;
                    List<Object> items = new ArrayList<>();
                    boolean sawComma = false;
                    while (true) {
                        skipSpace();
                        if (peek(close)) {
                            i++;
                            if (c == '[') {
                                return items;
                            }
                            // (x) is x in Python; (x,) and () are tuples
                            return items.size() == 1 && !sawComma ? items.get(0) : new Tuple(items);
                        }
                        items.add(value(depth + 1));
                        skipSpace();
                        if (peek(',')) {
                            i++;
                            sawComma = true;
                        } else if (!peek(close)) {
                            throw error("expected ',' or '" + close + "' but found " + describeHere());
                        }
                    }
                }
                case '\'':
                case '"':
                    return string();
                default:
                    break;
            }
            if ((c == 'u' || c == 'b' || c == 'U' || c == 'B') && i + 1 < s.length()
                    && (s.charAt(i + 1) == '\'' || s.charAt(i + 1) == '"')) {
                i++;
                return string();
            }
            if (c == '-' || c == '+' || (c >= '0' && c <= '9')) {
                return integer();
            }
            for (String word : new String[] {"True", "False", "None"}) {
                if (s.startsWith(word, i) && (i + word.length() == s.length()
                        || !Character.isLetterOrDigit(s.charAt(i + word.length())))) {
                    i += word.length();
                    return word.equals("None") ? NONE : Boolean.valueOf(word.equals("True"));
                }
            }
            throw error("unexpected " + describeHere());
        }

        private Object integer() throws LiteralException {
            int begin = i;
            if (s.charAt(i) == '-' || s.charAt(i) == '+') {
                i++;
            }
            int digits = i;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
            }
            if (i == digits) {
                throw error("a sign without digits");
            }
            if (i < s.length() && (s.charAt(i) == '.' || s.charAt(i) == 'e' || s.charAt(i) == 'E'
                    || s.charAt(i) == 'x' || s.charAt(i) == '_')) {
                throw error("only plain integers are expected in a shape");
            }
            String text = s.substring(begin, i);
            if (i < s.length() && (s.charAt(i) == 'L' || s.charAt(i) == 'l')) {
                i++;
            }
            if (i - digits > 19) {
                return TOO_LARGE;
            }
            try {
                return Long.parseLong(text.startsWith("+") ? text.substring(1) : text);
            } catch (NumberFormatException e) {
                return TOO_LARGE;
            }
        }

        private String string() throws LiteralException {
            char quote = s.charAt(i++);
            StringBuilder b = new StringBuilder();
            while (true) {
                if (i >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(i++);
                if (c == quote) {
                    return b.toString();
                }
                if (c == '\n') {
                    throw error("unterminated string");
                }
                if (c == '\\') {
                    if (i >= s.length()) {
                        throw error("unterminated string");
                    }
                    char e = s.charAt(i++);
                    switch (e) {
                        case '\\', '\'', '"' -> b.append(e);
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        default -> throw error("unsupported escape \\" + e + " in a string");
                    }
                } else {
                    b.append(c);
                }
            }
        }

        private void skipSpace() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                    i++;
                } else {
                    break;
                }
            }
        }

        private boolean peek(char c) {
            return i < s.length() && s.charAt(i) == c;
        }

        private void expect(char c) throws LiteralException {
            if (!peek(c)) {
                throw error("expected '" + c + "' but found " + describeHere());
            }
            i++;
        }

        private String describeHere() {
            if (i >= s.length()) {
                return "the end of the header";
            }
            char c = s.charAt(i);
            return c < 0x20 || c > 0x7e ? String.format("character U+%04X", (int) c) : "'" + c + "'";
        }

        private LiteralException error(String what) {
            return new LiteralException(what + " (at header character " + i + ")");
        }
    }
}
