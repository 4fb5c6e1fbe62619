package dev.tokenmix.core.io;

import static dev.tokenmix.core.io.IoTestSupport.assertRefused;
import static dev.tokenmix.core.io.IoTestSupport.concat;
import static dev.tokenmix.core.io.IoTestSupport.randomArray;
import static dev.tokenmix.core.io.IoTestSupport.rawBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** NumPy .npy: files written by numpy 2.4, hand-built headers, round trips and refusals. */
class NpyTest {
    @TempDir
    Path dir;

    private static final DataType[] WRITABLE = {DataType.DOUBLE, DataType.FLOAT, DataType.FLOAT16, DataType.INT64,
        DataType.INT32, DataType.INT16, DataType.INT8, DataType.UINT64, DataType.UINT32, DataType.UINT16,
        DataType.UINT8, DataType.BOOL};

    /** A .npy file: magic, version major.0, header length, header, data. */
    private static byte[] npy(int major, String header, byte[] data) {
        byte[] h = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteBuffer prefix = ByteBuffer.allocate(major == 1 ? 10 : 12).order(ByteOrder.LITTLE_ENDIAN);
        prefix.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            prefix.putShort((short) h.length);
        } else {
            prefix.putInt(h.length);
        }
        return concat(prefix.array(), h, data);
    }

    private static byte[] npy(String header, byte[] data) {
        return npy(1, header, data);
    }

    private static String dict(String descr, boolean fortran, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape
                + ", }\n";
    }

    private static byte[] bytes(ByteOrder order, int width, long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * width).order(order);
        for (long v : values) {
            switch (width) {
                case 1 -> b.put((byte) v);
                case 2 -> b.putShort((short) v);
                case 4 -> b.putInt((int) v);
                default -> b.putLong(v);
            }
        }
        return b.array();
    }

    private static byte[] floats(ByteOrder order, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(order);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private INDArray readResource(String name) throws IOException {
        return Npy.read(IoTestSupport.write(dir, name, IoTestSupport.resource("/io/npy/" + name)));
    }

    private static void assertValues(INDArray a, DataType type, long[] shape, double... expected) {
        assertEquals(type, a.dataType());
        assertArrayEquals(shape, a.shape());
        assertEquals('c', a.ordering());
        double[] actual = a.isEmpty() ? new double[0] : Safetensors.toDouble(a).reshape(a.length()).toDoubleVector();
        assertArrayEquals(expected, actual, 0.0);
    }

    private static double[] range(int n, double scale, double offset) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = i * scale + offset;
        }
        return out;
    }

    // ---- files written by numpy (scripts/io_fixtures.py)

    @Test
    void readsNumpyFilesOfEveryKind() throws IOException {
        assertValues(readResource("f4_c.npy"), DataType.FLOAT, new long[] {2, 3, 4}, range(24, 0.5, 0));
        // np.asfortranarray(arange(24).reshape(2, 3, 4) + 0.5): same values, C order in memory here
        assertValues(readResource("f8_fortran.npy"), DataType.DOUBLE, new long[] {2, 3, 4}, range(24, 1, 0.5));
        assertValues(readResource("f8_big_endian.npy"), DataType.DOUBLE, new long[] {2, 3}, range(6, 0.25, 0));
        assertValues(readResource("i4_big_endian_fortran.npy"), DataType.INT32, new long[] {3, 4}, range(12, 1, -6));
        assertValues(readResource("u2_big_endian.npy"), DataType.UINT16, new long[] {3}, 1, 258, 65535);
        assertValues(readResource("f2.npy"), DataType.FLOAT16, new long[] {6}, 1.0, -2.5, 65504.0, Math.pow(2, -24),
                Double.POSITIVE_INFINITY, 0.0);
        assertValues(readResource("scalar.npy"), DataType.DOUBLE, new long[0], 3.25);
        assertValues(readResource("bool.npy"), DataType.BOOL, new long[] {2, 3}, 1, 0, 1, 0, 0, 1);
        INDArray i8 = readResource("i8.npy");
        assertEquals(DataType.INT64, i8.dataType());
        assertEquals(Long.MIN_VALUE, i8.getLong(0));
        assertEquals(Long.MAX_VALUE, i8.getLong(2));
        INDArray empty = readResource("empty.npy");
        assertTrue(empty.isEmpty());
        assertArrayEquals(new long[] {0, 5}, empty.shape());
        assertValues(readResource("v2.npy"), DataType.INT16, new long[] {3, 2}, range(6, 1, -3));
        assertValues(readResource("v3.npy"), DataType.FLOAT, new long[] {4}, range(4, 1, 0.25));
    }

    @Test
    void refusesNumpyObjectAndStructuredArrays() throws IOException {
        Path obj = IoTestSupport.write(dir, "object.npy", IoTestSupport.resource("/io/npy/object.npy"));
        assertRefused(obj.toString(), "pickled Python objects, which tokenmix never unpickles", () -> Npy.read(obj));
        Path rec = IoTestSupport.write(dir, "structured.npy", IoTestSupport.resource("/io/npy/structured.npy"));
        assertRefused(rec.toString(), "unsupported structured dtype (a list of fields)", () -> Npy.read(rec));
    }

    // ---- hand-built files

    @Test
    void fortranOrderIsConvertedToCOrder() {
        // the 2x3 matrix [[1,2,3],[4,5,6]] stored column by column
        byte[] f = npy(dict("<f4", true, "(2, 3)"), floats(ByteOrder.LITTLE_ENDIAN, 1, 4, 2, 5, 3, 6));
        INDArray a = Npy.read(f, "fortran.npy");
        assertEquals(Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}}), a);
        assertEquals('c', a.ordering());
        // rank 3: element [i,j,k] at i + 2j + 6k
        long[] data = new long[24];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 4; k++) {
                    data[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
                }
            }
        }
        INDArray b = Npy.read(npy(dict(">i8", true, "(2, 3, 4)"), bytes(ByteOrder.BIG_ENDIAN, 8, data)), "f3.npy");
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 4; k++) {
                    assertEquals(100 * i + 10 * j + k, b.getLong(i, j, k));
                }
            }
        }
        // Fortran order of a 1-d, 0-d and empty array is the same as C order
        assertValues(Npy.read(npy(dict("<f4", true, "(3,)"), floats(ByteOrder.LITTLE_ENDIAN, 1, 2, 3)), "v.npy"),
                DataType.FLOAT, new long[] {3}, 1, 2, 3);
        assertValues(Npy.read(npy(dict("<f4", true, "()"), floats(ByteOrder.LITTLE_ENDIAN, 7)), "s.npy"),
                DataType.FLOAT, new long[0], 7);
        assertArrayEquals(new long[] {0, 2}, Npy.read(npy(dict("<f4", true, "(0, 2)"), new byte[0]), "e.npy").shape());
    }

    @Test
    void fortranOrderWorksForEveryType() {
        Random rnd = new Random(5);
        for (DataType t : WRITABLE) {
            INDArray c = randomArray(t, rnd, 3, 4, 2);
            byte[] cBytes = rawBytes(c);
            int w = t.width();
            byte[] fortranBytes = new byte[cBytes.length];
            int at = 0;
            for (int k = 0; k < 2; k++) {
                for (int j = 0; j < 4; j++) {
                    for (int i = 0; i < 3; i++) {
                        System.arraycopy(cBytes, (i * 8 + j * 2 + k) * w, fortranBytes, at, w);
                        at += w;
                    }
                }
            }
            String descr = t == DataType.BOOL ? "|b1" : t.width() == 1 ? (t == DataType.INT8 ? "|i1" : "|u1")
                    : "<" + (t.isFPType() ? "f" : t.isSigned() ? "i" : "u") + t.width();
            INDArray r = Npy.read(npy(dict(descr, true, "(3, 4, 2)"), fortranBytes), "t.npy");
            assertEquals(t, r.dataType());
            assertArrayEquals(rawBytes(c), rawBytes(r), t.toString());
        }
    }

    @Test
    void bigEndianIsConvertedForEveryWidth() {
        assertValues(Npy.read(npy(dict(">f4", false, "(2, 2)"), floats(ByteOrder.BIG_ENDIAN, 1.5f, -2, 1e30f, 0)), "a"),
                DataType.FLOAT, new long[] {2, 2}, 1.5, -2, (double) 1e30f, 0);
        assertValues(Npy.read(npy(dict(">f2", false, "(2,)"), bytes(ByteOrder.BIG_ENDIAN, 2, 0x3C00, 0xC100)), "b"),
                DataType.FLOAT16, new long[] {2}, 1.0, -2.5);
        assertValues(Npy.read(npy(dict(">i2", false, "(2,)"), bytes(ByteOrder.BIG_ENDIAN, 2, -2, 300)), "c"),
                DataType.INT16, new long[] {2}, -2, 300);
        assertValues(Npy.read(npy(dict(">u4", false, "(1,)"), bytes(ByteOrder.BIG_ENDIAN, 4, 0xFFFFFFFEL)), "d"),
                DataType.UINT32, new long[] {1}, 4294967294.0);
        assertValues(Npy.read(npy(dict(">f8", false, "()"), bytes(ByteOrder.BIG_ENDIAN, 8,
                Double.doubleToLongBits(-0.125))), "e"), DataType.DOUBLE, new long[0], -0.125);
        // one-byte types ignore the byte order character
        assertValues(Npy.read(npy(dict(">i1", false, "(2,)"), new byte[] {-1, 2}), "f"), DataType.INT8, new long[] {2}, -1, 2);
        assertValues(Npy.read(npy(dict("|b1", false, "(3,)"), new byte[] {0, 1, 7}), "g"), DataType.BOOL, new long[] {3}, 0, 1, 1);
        // native (=) and no byte order
        assertValues(Npy.read(npy(dict("=f4", false, "(1,)"), floats(ByteOrder.nativeOrder(), 4)), "h"),
                DataType.FLOAT, new long[] {1}, 4);
        assertValues(Npy.read(npy(dict("f4", false, "(1,)"), floats(ByteOrder.nativeOrder(), 5)), "i"),
                DataType.FLOAT, new long[] {1}, 5);
    }

    @Test
    void headersInOtherSpellingsAreAccepted() {
        byte[] data = floats(ByteOrder.LITTLE_ENDIAN, 1, 2, 3, 4, 5, 6);
        List<String> headers = List.of(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + " ".repeat(10) + "\n",
                "{'descr':'<f4','fortran_order':False,'shape':(2,3)}",                      // no spaces, no newline
                "{\"shape\": (2, 3), \"descr\": \"<f4\", \"fortran_order\": False}\n",      // other order and quotes
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }\n",          // Python 2 longs
                "{u'descr': u'<f4', 'fortran_order': False, 'shape': (2, 3,), }\n");
        for (String h : headers) {
            assertValues(Npy.read(npy(h, data), "h.npy"), DataType.FLOAT, new long[] {2, 3}, 1, 2, 3, 4, 5, 6);
        }
        assertValues(Npy.read(npy(2, dict("<f4", false, "(6,)"), data), "v2"), DataType.FLOAT, new long[] {6},
                1, 2, 3, 4, 5, 6);
        assertValues(Npy.read(npy(3, dict("<f4", false, "(6,)"), data), "v3"), DataType.FLOAT, new long[] {6},
                1, 2, 3, 4, 5, 6);
    }

    // ---- writing

    @Test
    void everyTypeRoundTripsBitExact() throws IOException {
        Random rnd = new Random(7);
        for (DataType t : WRITABLE) {
            for (long[] shape : new long[][] {{2, 3, 5}, {7}, {}, {0, 4}}) {
                INDArray a = randomArray(t, rnd, shape);
                Path p = dir.resolve("rt.npy");
                Npy.write(p, a);
                INDArray r = Npy.read(p);
                assertEquals(t, r.dataType());
                assertArrayEquals(shape, r.shape());
                assertArrayEquals(rawBytes(a), rawBytes(r), t + " " + java.util.Arrays.toString(shape));
            }
        }
    }

    @Test
    void writesNumpysHeaderLayout() throws IOException {
        Path p = dir.resolve("layout.npy");
        Npy.write(p, Nd4j.zeros(DataType.FLOAT, 2, 3));
        byte[] b = Files.readAllBytes(p);
        assertEquals(1, b[6]);
        assertEquals(0, b[7]);
        int len = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
        assertEquals(0, (10 + len) % 64);
        String header = new String(b, 10, len, StandardCharsets.ISO_8859_1);
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", header.stripTrailing());
        assertTrue(header.endsWith("\n"));
        assertEquals(10 + len + 24, b.length);

        Npy.write(p, Nd4j.scalar(DataType.INT64, 3));
        assertTrue(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1)
                .contains("{'descr': '<i8', 'fortran_order': False, 'shape': (), }"));
        Npy.write(p, Nd4j.create(DataType.BOOL, 4));
        assertTrue(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1)
                .contains("{'descr': '|b1', 'fortran_order': False, 'shape': (4,), }"));
    }

    @Test
    void writesViewsInCOrderAndRefusesBfloat16() throws IOException {
        INDArray base = Nd4j.arange(20).castTo(DataType.DOUBLE).reshape(4, 5);
        Path p = dir.resolve("view.npy");
        for (INDArray v : new INDArray[] {base.transpose(), base.get(NDArrayIndex.interval(1, 3), NDArrayIndex.interval(1, 4)),
            base.dup('f')}) {
            Npy.write(p, v);
            assertEquals(v, Npy.read(p));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Npy.write(p, Nd4j.ones(DataType.BFLOAT16, 2)));
        assertTrue(e.getMessage().contains("bfloat16"), e.getMessage());
        assertEquals(base.dup('f'), Npy.read(p), "the refused write left the file alone");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList());
        }
    }

    @Test
    void aShapeAskingForMoreMemoryThanTheMachineHasIsRefusedNotACrash() throws IOException {
        long big = Math.max(org.bytedeco.javacpp.Pointer.availablePhysicalBytes(),
                org.bytedeco.javacpp.Pointer.totalPhysicalBytes()) * 2 + (1L << 30);
        byte[] prefix = npy(dict("|u1", false, "(" + big + ",)"), new byte[0]);
        Path p = dir.resolve("huge.npy");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            f.write(prefix);
            f.setLength(prefix.length + big);
        }
        assertRefused(p.toString(), "needs " + big + " bytes of memory", () -> Npy.read(p));
    }

    // ---- refusals

    static Stream<Arguments> malformed() {
        byte[] four = floats(ByteOrder.LITTLE_ENDIAN, 1, 2, 3, 4);
        String ok = dict("<f4", false, "(4,)");
        StringBuilder deep = new StringBuilder("{'descr': ");
        deep.append("[".repeat(100)).append("]".repeat(100)).append(", 'fortran_order': False, 'shape': (4,)}");
        byte[] badUtf8 = npy(3, ok, four);
        badUtf8[14] = (byte) 0xFF;
        byte[] hugeV2 = npy(2, ok, four);
        hugeV2[8] = 0;
        hugeV2[9] = 0;
        hugeV2[10] = 0;
        hugeV2[11] = (byte) 0x80;
        byte[] truncatedLength = java.util.Arrays.copyOf(npy(ok, four), 9);
        return Stream.of(
                Arguments.of("empty", new byte[0], "not a NumPy .npy file"),
                Arguments.of("wrong magic", concat("\u0093NUMPX".getBytes(StandardCharsets.ISO_8859_1), new byte[20]),
                        "not a NumPy .npy file"),
                Arguments.of("a zip (npz)", concat(new byte[] {'P', 'K', 3, 4}, new byte[40]), "an .npz?"),
                Arguments.of("only magic", new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1}, "ends inside its version"),
                Arguments.of("version 4.0", npy(4, ok, four), "unsupported .npy format version 4.0"),
                Arguments.of("version 1.1", withMinor(npy(ok, four)), "version 1.1"),
                Arguments.of("truncated length field", truncatedLength, "ends inside its header length field"),
                Arguments.of("header length beyond file", withLength(npy(ok, four), 1000), "header length 1000 but only"),
                Arguments.of("header length above cap", hugeV2, "above the limit of 65536"),
                Arguments.of("header not UTF-8 (v3)", badUtf8, "not valid UTF-8"),
                Arguments.of("header not a literal", npy("descr=<f4\n", four), "not a valid Python dict literal"),
                Arguments.of("header a list", npy("['<f4', False, (4,)]\n", four), "must be a dict, found a list"),
                Arguments.of("unterminated string", npy("{'descr: '<f4'}", four), "not a valid Python dict literal"),
                Arguments.of("trailing garbage", npy(ok.strip() + " x", four), "after the literal"),
                Arguments.of("missing key", npy("{'descr': '<f4', 'shape': (4,)}", four), "exactly the keys"),
                Arguments.of("extra key", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'x': 1}", four),
                        "exactly the keys"),
                Arguments.of("duplicate key", npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (4,)}",
                        four), "'descr' appears twice"),
                Arguments.of("non-string key", npy("{1: '<f4'}", four), "dict keys must be strings"),
                Arguments.of("nesting bomb", npy(deep.toString(), four), "nesting deeper than"),
                Arguments.of("object dtype", npy(dict("|O", false, "(4,)"), new byte[32]), "never unpickles"),
                Arguments.of("unicode dtype", npy(dict("<U1", false, "(4,)"), new byte[16]), "string dtype '<U1'"),
                Arguments.of("bytes dtype", npy(dict("|S4", false, "(1,)"), four), "string dtype"),
                Arguments.of("complex dtype", npy(dict("<c8", false, "(2,)"), new byte[16]), "complex dtype"),
                Arguments.of("datetime dtype", npy(dict("<M8[ns]", false, "(2,)"), new byte[16]), "datetime dtype"),
                Arguments.of("void dtype", npy(dict("|V4", false, "(4,)"), new byte[16]), "void/structured"),
                Arguments.of("long double", npy(dict("<f16", false, "(1,)"), new byte[16]), "unsupported dtype '<f16'"),
                Arguments.of("descr a number", npy("{'descr': 4, 'fortran_order': False, 'shape': (4,)}", four),
                        "'descr' must be a dtype string such as '<f4', found 4"),
                Arguments.of("fortran_order an int", npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (4,)}", four),
                        "'fortran_order' must be True or False, found 0"),
                Arguments.of("shape a list", npy(dict("<f4", false, "[4]"), four), "must be a tuple"),
                Arguments.of("shape an int", npy(dict("<f4", false, "(4)"), four), "must be a tuple of non-negative integers, found 4"),
                Arguments.of("negative dimension", npy(dict("<f4", false, "(-4,)"), four), "entry 0 must be a non-negative"),
                Arguments.of("fractional dimension", npy(dict("<f4", false, "(4.0,)"), four), "only plain integers"),
                Arguments.of("dimension above 2^63", npy(dict("<f4", false, "(99999999999999999999,)"), four),
                        "found a too large integer"),
                Arguments.of("dimension None", npy(dict("<f4", false, "(None,)"), four), "found None"),
                Arguments.of("33 dimensions", npy(dict("<f4", false, "(" + "1, ".repeat(32) + "4)"), four), "at most 32"),
                Arguments.of("size overflow", npy(dict("<f8", false, "(4294967296, 4294967296)"), four), "overflows 64 bits"),
                Arguments.of("data truncated", npy(dict("<f4", false, "(5,)"), four), "needs 20 bytes of data but the file has 16"),
                Arguments.of("huge shape", npy(dict("<f4", false, "(1000000000000,)"), four), "the file is truncated"),
                Arguments.of("trailing data", npy(dict("<f4", false, "(3,)"), four), "4 bytes follow the .npy array data"),
                Arguments.of("two arrays in one file", concat(npy(ok, four), npy(ok, four)), "several arrays"));
    }

    private static byte[] withMinor(byte[] b) {
        b[7] = 1;
        return b;
    }

    private static byte[] withLength(byte[] b, int len) {
        b[8] = (byte) len;
        b[9] = (byte) (len >> 8);
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void isRefusedWithAOneLineMessage(String what, byte[] bytes, String fragment) throws IOException {
        Path p = IoTestSupport.write(dir, "bad.npy", bytes);
        assertRefused(p.toString(), fragment, () -> Npy.read(p));
        assertRefused("member.npy", fragment, () -> Npy.read(bytes, "member.npy"));
    }
}
