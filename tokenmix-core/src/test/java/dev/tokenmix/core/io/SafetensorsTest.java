package dev.tokenmix.core.io;

import static dev.tokenmix.core.io.IoTestSupport.halfToFloat;
import static dev.tokenmix.core.io.IoTestSupport.randomArray;
import static dev.tokenmix.core.io.IoTestSupport.rawBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** safetensors: round trips, the reference implementation's file, lazy reads, atomic writes, FP8. */
class SafetensorsTest {
    @TempDir
    Path dir;

    private static final DataType[] WRITABLE = {DataType.DOUBLE, DataType.FLOAT, DataType.FLOAT16, DataType.BFLOAT16,
        DataType.INT64, DataType.INT32, DataType.INT16, DataType.INT8, DataType.UINT64, DataType.UINT32,
        DataType.UINT16, DataType.UINT8, DataType.BOOL};

    @Test
    void everyDtypeRoundTripsBitExact() throws IOException {
        Random rnd = new Random(1);
        LinkedHashMap<String, INDArray> in = new LinkedHashMap<>();
        for (DataType t : WRITABLE) {
            in.put("t." + t, randomArray(t, rnd, 2, 3, 5));
        }
        Path p = dir.resolve("all.safetensors");
        Safetensors.write(p, in);
        Safetensors.Contents out = Safetensors.read(p);
        assertEquals(in.keySet(), out.tensors().keySet());
        for (Map.Entry<String, INDArray> e : in.entrySet()) {
            INDArray r = out.tensors().get(e.getKey());
            assertEquals(e.getValue().dataType(), r.dataType(), e.getKey());
            assertArrayEquals(new long[] {2, 3, 5}, r.shape(), e.getKey());
            assertEquals('c', r.ordering());
            assertArrayEquals(rawBytes(e.getValue()), rawBytes(r), e.getKey());
        }
        assertTrue(out.metadata().isEmpty());
    }

    @Test
    void headerIsPaddedToEightBytesAndEveryTensorIsAlignedToItsElementSize() throws IOException {
        Random rnd = new Random(2);
        LinkedHashMap<String, INDArray> in = new LinkedHashMap<>();
        in.put("byte", randomArray(DataType.INT8, rnd, 3));
        in.put("half", randomArray(DataType.FLOAT16, rnd, 3));
        in.put("double", randomArray(DataType.DOUBLE, rnd, 3));
        in.put("float", randomArray(DataType.FLOAT, rnd, 3));
        in.put("long", randomArray(DataType.INT64, rnd, 1));
        Path p = dir.resolve("aligned.safetensors");
        Safetensors.write(p, in);
        byte[] bytes = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8);
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        String json = header.stripTrailing();
        assertTrue(json.endsWith("}"));
        assertTrue(header.substring(json.length()).chars().allMatch(c -> c == ' '), "padded with spaces");
        try (SafetensorsFile f = Safetensors.open(p)) {
            // widest first, caller's order within a width
            assertEquals(List.of("double", "long", "float", "half", "byte"), f.keys());
            for (Safetensors.TensorInfo t : f.infos()) {
                assertEquals(0, t.begin() % t.dtype().bytes(), t.toString());
            }
        }
    }

    @Test
    void oneDtypeKeepsTheCallersOrder() throws IOException {
        LinkedHashMap<String, INDArray> in = new LinkedHashMap<>();
        for (String k : new String[] {"z", "b.weight", "a", "m.bias", "c"}) {
            in.put(k, Nd4j.rand(DataType.FLOAT, 2));
        }
        Path p = dir.resolve("order.safetensors");
        Safetensors.write(p, in);
        assertEquals(new ArrayList<>(in.keySet()), new ArrayList<>(Safetensors.read(p).tensors().keySet()));
    }

    @Test
    void zeroDimensionalAndEmptyTensorsRoundTrip() throws IOException {
        LinkedHashMap<String, INDArray> in = new LinkedHashMap<>();
        in.put("scalar_f32", Nd4j.scalar(2.5f));
        in.put("scalar_i64", Nd4j.scalar(DataType.INT64, -7));
        in.put("empty_rows", Nd4j.create(DataType.FLOAT, 0, 3));
        in.put("empty_middle", Nd4j.create(DataType.FLOAT16, 3, 0, 2));
        in.put("empty_1d", Nd4j.create(DataType.BOOL, 0));
        Path p = dir.resolve("edge.safetensors");
        Safetensors.write(p, in);
        Map<String, INDArray> out = Safetensors.read(p).tensors();
        assertEquals(0, out.get("scalar_f32").rank());
        assertEquals(2.5f, out.get("scalar_f32").getFloat(0));
        assertEquals(0, out.get("scalar_i64").rank());
        assertEquals(-7L, out.get("scalar_i64").getLong(0));
        assertTrue(out.get("empty_rows").isEmpty());
        assertArrayEquals(new long[] {0, 3}, out.get("empty_rows").shape());
        assertArrayEquals(new long[] {3, 0, 2}, out.get("empty_middle").shape());
        assertEquals(DataType.FLOAT16, out.get("empty_middle").dataType());
        assertArrayEquals(new long[] {0}, out.get("empty_1d").shape());
        assertEquals(DataType.BOOL, out.get("empty_1d").dataType());
        try (SafetensorsFile f = Safetensors.open(p)) {
            assertEquals(0, f.info("empty_rows").byteSize());
            assertArrayEquals(new long[0], f.info("scalar_f32").shape());
        }
    }

    @Test
    void metadataRoundTripsInOrderAndIsOmittedWhenEmpty() throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("arch", "pacavit_tiny_p2cconv_100_0");
        meta.put("note", "ünïcödé \"quoted\" \\ back\nslash");
        meta.put("empty", "");
        Path p = dir.resolve("meta.safetensors");
        Safetensors.write(p, Map.of("w", Nd4j.ones(DataType.FLOAT, 2)), meta);
        Safetensors.Contents c = Safetensors.read(p);
        assertEquals(new ArrayList<>(meta.entrySet()), new ArrayList<>(c.metadata().entrySet()));
        assertThrows(UnsupportedOperationException.class, () -> c.metadata().put("x", "y"));

        Path q = dir.resolve("nometa.safetensors");
        Safetensors.write(q, Map.of("w", Nd4j.ones(DataType.FLOAT, 2)), null);
        assertFalse(new String(Files.readAllBytes(q), StandardCharsets.UTF_8).contains("__metadata__"));
        assertTrue(Safetensors.read(q).metadata().isEmpty());
    }

    @Test
    void viewsAndFortranOrderArraysAreWrittenInCOrder() throws IOException {
        INDArray base = Nd4j.arange(24).castTo(DataType.FLOAT).reshape(4, 6);
        INDArray slice = base.get(NDArrayIndex.interval(1, 3), NDArrayIndex.interval(2, 5));
        INDArray transposed = base.transpose();
        INDArray fortran = base.dup('f');
        Map<String, INDArray> in = Map.of("slice", slice, "transposed", transposed, "fortran", fortran);
        Path p = dir.resolve("views.safetensors");
        Safetensors.write(p, in);
        Map<String, INDArray> out = Safetensors.read(p).tensors();
        for (Map.Entry<String, INDArray> e : in.entrySet()) {
            assertEquals(e.getValue(), out.get(e.getKey()), e.getKey());
            assertArrayEquals(e.getValue().shape(), out.get(e.getKey()).shape(), e.getKey());
        }
    }

    @Test
    void readsTheFileWrittenByTheReferenceImplementation() throws IOException {
        Path p = IoTestSupport.write(dir, "reference.safetensors",
                IoTestSupport.resource("/io/safetensors/reference.safetensors"));
        Safetensors.Contents c = Safetensors.read(p);
        assertEquals(Map.of("format", "pt", "source", "tokenmix io fixture"), c.metadata());
        Map<String, INDArray> t = c.tensors();
        assertEquals(17, t.size());
        // the reference writer groups by decreasing alignment then name; we return file order
        assertEquals(List.of("u64", "i64", "f64", "empty", "f32", "scalar", "u32", "i32", "bf16", "f16", "u16", "i16",
                "f8_e4m3", "f8_e5m2", "i8", "u8", "bool"), new ArrayList<>(t.keySet()));

        assertValues(t.get("f64"), DataType.DOUBLE, new long[] {2, 3}, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5);
        assertValues(t.get("f32"), DataType.FLOAT, new long[] {3, 2}, 0.0, -0.0, 1.5, -2.25,
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(t.get("f32").getFloat(1)));
        assertValues(t.get("f16"), DataType.FLOAT16, new long[] {4}, 1.0, -2.5, 65504.0, Math.pow(2, -24));
        assertValues(t.get("bf16"), DataType.BFLOAT16, new long[] {2, 2}, 1.0, -3.0, 3.140625, 0.0);
        assertEquals(DataType.INT64, t.get("i64").dataType());
        assertEquals(Long.MIN_VALUE, t.get("i64").getLong(0));
        assertEquals(Long.MAX_VALUE, t.get("i64").getLong(2));
        assertValues(t.get("i32"), DataType.INT32, new long[] {2, 2}, Integer.MIN_VALUE, -1, 7, Integer.MAX_VALUE);
        assertValues(t.get("i16"), DataType.INT16, new long[] {3}, -32768, 1, 32767);
        assertValues(t.get("i8"), DataType.INT8, new long[] {2}, -128, 127);
        assertValues(t.get("u8"), DataType.UINT8, new long[] {3}, 0, 128, 255);
        assertValues(t.get("u16"), DataType.UINT16, new long[] {2}, 0, 65535);
        assertValues(t.get("u32"), DataType.UINT32, new long[] {2}, 0, 4294967295.0);
        assertEquals(DataType.UINT64, t.get("u64").dataType());
        assertArrayEquals(IoTestSupport.concat(IoTestSupport.le64(0), IoTestSupport.le64(-1)), rawBytes(t.get("u64")));
        assertValues(t.get("bool"), DataType.BOOL, new long[] {2, 2}, 1, 0, 0, 1);
        assertValues(t.get("scalar"), DataType.FLOAT, new long[0], 3.5);
        assertArrayEquals(new long[] {0, 4}, t.get("empty").shape());
        assertValues(t.get("f8_e4m3"), DataType.FLOAT16, new long[] {6}, 1.0, 448.0, -448.0, Math.pow(2, -9),
                Double.NaN, 0.0);
        assertValues(t.get("f8_e5m2"), DataType.FLOAT16, new long[] {4}, 1.0, Double.POSITIVE_INFINITY,
                Math.pow(2, -16), -2.0);

        try (SafetensorsFile f = Safetensors.open(p)) {
            assertEquals(Safetensors.Dtype.F8_E4M3, f.info("f8_e4m3").dtype());
            assertEquals(Safetensors.Dtype.BF16, f.info("bf16").dtype());
            assertEquals(new Safetensors.TensorInfo("f64", Safetensors.Dtype.F64, new long[] {2, 3}, 40, 88),
                    f.info("f64"));
        }
    }

    private static void assertValues(INDArray a, DataType type, long[] shape, double... expected) {
        assertEquals(type, a.dataType());
        assertArrayEquals(shape, a.shape());
        double[] actual = Safetensors.toDouble(a).reshape(a.length()).toDoubleVector();
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            if (Double.isNaN(expected[i])) {
                assertTrue(Double.isNaN(actual[i]), "element " + i);
            } else {
                assertEquals(expected[i], actual[i], 0.0, "element " + i);
            }
        }
    }

    @Test
    void openReadsOnlyTheHeaderAndThenSingleTensors() throws IOException {
        // A 1 GiB tensor in a sparse file: opening and reading the small tensor must not touch it.
        long big = 1L << 30;
        String header = "{\"big\":{\"dtype\":\"U8\",\"shape\":[" + big + "],\"data_offsets\":[0," + big + "]},"
                + "\"small\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[" + big + "," + (big + 16) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path p = dir.resolve("sparse.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(IoTestSupport.le64(h.length));
            f.write(h);
            f.setLength(8 + h.length + big + 16);
            f.seek(8 + h.length + big);
            f.write(IoTestSupport.floatsLE(1, 2, 3, 4));
        }
        long t0 = System.nanoTime();
        try (SafetensorsFile f = Safetensors.open(p)) {
            assertEquals(List.of("big", "small"), f.keys());
            assertEquals(big, f.info("big").byteSize());
            assertArrayEquals(new long[] {big}, f.info("big").shape());
            INDArray small = f.read("small");
            assertEquals(Nd4j.createFromArray(new float[][] {{1, 2}, {3, 4}}), small);
            assertTrue(f.contains("big"));
            assertFalse(f.contains("absent"));
        }
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L);
    }

    @Test
    void unknownKeysAndClosedFilesAreReportedClearly() throws IOException {
        Path p = dir.resolve("keys.safetensors");
        Safetensors.write(p, Map.of("a.weight", Nd4j.ones(2), "a.bias", Nd4j.zeros(2)));
        SafetensorsFile f = Safetensors.open(p);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.info("a.wieght"));
        assertTrue(e.getMessage().contains("'a.wieght'") && e.getMessage().contains("keys.safetensors")
                && e.getMessage().contains("'a.weight'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> f.read("nope"));
        f.close();
        assertThrows(IllegalStateException.class, () -> f.read("a.bias"));
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path p = dir.resolve("model.safetensors");
        Safetensors.write(p, Map.of("w", Nd4j.ones(DataType.FLOAT, 3)));
        Safetensors.write(p, Map.of("w", Nd4j.zeros(DataType.FLOAT, 4)));
        assertEquals(Nd4j.zeros(DataType.FLOAT, 4), Safetensors.read(p).tensors().get("w"));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList());
        }

        // A write whose final rename fails (the target is a non-empty directory) cleans up after itself.
        Path blocked = dir.resolve("blocked.safetensors");
        Files.createDirectories(blocked.resolve("inside"));
        assertThrows(IOException.class, () -> Safetensors.write(blocked, Map.of("w", Nd4j.ones(2))));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary file left behind");
        }
        // A refused argument leaves the existing file untouched.
        assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(p, Map.of("__metadata__", Nd4j.ones(2))));
        Map<String, INDArray> nulls = new LinkedHashMap<>();
        nulls.put("w", null);
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(p, nulls));
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(p, Map.of("bad\ud800", Nd4j.ones(2))));
        assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(p, Map.of("w", Nd4j.ones(2)), Map.of("k", "\udc00")));
        assertEquals(Nd4j.zeros(DataType.FLOAT, 4), Safetensors.read(p).tensors().get("w"));
    }

    @Test
    void fp8DecodingIsExactForAllCodes() {
        for (int b = 0; b < 256; b++) {
            int sign = (b & 0x80) != 0 ? -1 : 1;
            // E4M3 (fn): bias 7, no infinities, S.1111.111 is NaN
            int e = (b >> 3) & 0xF;
            int m = b & 7;
            double expected4 = e == 15 && m == 7 ? Double.NaN
                    : e == 0 ? sign * m * Math.pow(2, -9) : sign * (1 + m / 8.0) * Math.pow(2, e - 7);
            float got4 = halfToFloat(Safetensors.e4m3ToHalf(b));
            if (Double.isNaN(expected4)) {
                assertTrue(Float.isNaN(got4), "E4M3 " + b);
            } else {
                assertEquals(expected4, got4, 0.0, "E4M3 " + b);
                assertEquals(Math.copySign(1.0, expected4), Math.copySign(1.0, got4), "E4M3 sign " + b);
            }
            // E5M2: bias 15, IEEE-like
            int e5 = (b >> 2) & 0x1F;
            int m5 = b & 3;
            double expected5 = e5 == 31 ? (m5 == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN)
                    : e5 == 0 ? sign * m5 * Math.pow(2, -16) : sign * (1 + m5 / 4.0) * Math.pow(2, e5 - 15);
            float got5 = halfToFloat(Safetensors.e5m2ToHalf(b));
            if (Double.isNaN(expected5)) {
                assertTrue(Float.isNaN(got5), "E5M2 " + b);
            } else {
                assertEquals(expected5, got5, 0.0, "E5M2 " + b);
            }
        }
    }

    @Test
    void boolBytesOtherThanOneReadAsTrue() throws IOException {
        byte[] file = IoTestSupport.safetensors(
                "{\"b\":{\"dtype\":\"BOOL\",\"shape\":[4],\"data_offsets\":[0,4]}}", new byte[] {0, 1, 2, (byte) 0xFF});
        INDArray b = Safetensors.read(IoTestSupport.write(dir, "bool.safetensors", file)).tensors().get("b");
        assertArrayEquals(new byte[] {0, 1, 1, 1}, rawBytes(b));
    }

    @Test
    void conversionHelpersHandleEveryReadType() {
        Random rnd = new Random(3);
        for (DataType t : WRITABLE) {
            INDArray a = t == DataType.BOOL ? randomArray(t, rnd, 4) : Nd4j.createFromArray(1.0, 2.0, 3.0, 4.0).castTo(t);
            INDArray f = Safetensors.toFloat(a);
            INDArray d = Safetensors.toDouble(a);
            assertEquals(DataType.FLOAT, f.dataType());
            assertEquals(DataType.DOUBLE, d.dataType());
            for (int i = 0; i < 4; i++) {
                assertEquals(a.getDouble(i), d.getDouble(i), 0.0, t.toString());
                assertEquals(a.getDouble(i), f.getFloat(i), 0.0, t.toString());
            }
        }
        INDArray same = Nd4j.ones(DataType.FLOAT, 2);
        assertTrue(same == Safetensors.toFloat(same));
        Safetensors.Contents c = new Safetensors.Contents(new LinkedHashMap<>(Map.of("h", Nd4j.ones(DataType.FLOAT16, 2))),
                Map.of());
        assertEquals(DataType.FLOAT, c.asFloat().get("h").dataType());
    }

    @Test
    void dtypeMapping() {
        for (DataType t : WRITABLE) {
            assertEquals(t, Safetensors.Dtype.of(t).readType());
        }
        assertThrows(IllegalArgumentException.class, () -> Safetensors.Dtype.of(DataType.UTF8));
        assertEquals(DataType.FLOAT16, Safetensors.Dtype.F8_E4M3.readType());
    }
}
