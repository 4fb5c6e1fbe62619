package dev.tokenmix.core.io;

import static dev.tokenmix.core.io.IoTestSupport.assertRefused;
import static dev.tokenmix.core.io.IoTestSupport.concat;
import static dev.tokenmix.core.io.IoTestSupport.le64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Hand-built malformed and hostile safetensors files: each is refused with a one-line
 * {@link WeightsFormatException} naming the file and the problem, quickly, before anything large is
 * allocated. Also the unusual-but-valid files the reference implementation accepts.
 */
class SafetensorsMalformedTest {
    @TempDir
    Path dir;

    private static final String F32_2 = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
    private static final byte[] EIGHT = new byte[8];

    private static byte[] st(String header, byte[] data) {
        return IoTestSupport.safetensors(header, data);
    }

    private static byte[] st(String header) {
        return st(header, EIGHT);
    }

    private static String tensor(String dtype, String shape, String offsets) {
        return "{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    static Stream<Arguments> malformed() {
        byte[] notUtf8 = concat(le64(4), new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'});
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            deep.append('[');
        }
        for (int i = 0; i < 5000; i++) {
            deep.append(']');
        }
        return Stream.of(
                // the length field
                Arguments.of("empty file", new byte[0], "0 bytes is too short"),
                Arguments.of("shorter than the length field", new byte[] {1, 0, 0}, "3 bytes is too short"),
                Arguments.of("header length above the cap", concat(le64(1L << 40), EIGHT), "above the 100000000-byte limit"),
                Arguments.of("header length with the top bit set", concat(le64(-1L), EIGHT),
                        "header length 18446744073709551615 is above"),
                Arguments.of("header length beyond the file", concat(le64(64), "{}".getBytes(StandardCharsets.UTF_8)),
                        "header length 64 but only 2 bytes follow"),
                Arguments.of("a zip archive", concat(new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0}, new byte[100]), "zip archive"),
                Arguments.of("a pickle", concat(new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46}, new byte[30]),
                        "pickle"),
                // the header text
                Arguments.of("header not UTF-8", notUtf8, "not valid UTF-8"),
                Arguments.of("header not JSON", st("{\"a\":"), "not valid JSON"),
                Arguments.of("header truncated JSON", st("{\"a\":" + F32_2), "not valid JSON"),
                Arguments.of("header a JSON array", st("[]", new byte[0]), "must be a JSON object, found an array"),
                Arguments.of("header a JSON string", st("\"x\"", new byte[0]), "must be a JSON object, found the string"),
                Arguments.of("header empty", st("", new byte[0]), "must be a JSON object, found the end"),
                Arguments.of("content after the object", st("{} {}", new byte[0]), "content after its JSON object"),
                Arguments.of("NUL padding", st("{}\0\0\0\0\0\0", new byte[0]), "not valid JSON"),
                Arguments.of("nesting bomb in an ignored field",
                        st("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":" + deep + "}}"),
                        "not valid JSON"),
                // __metadata__
                Arguments.of("metadata an array", st("{\"__metadata__\":[],\"a\":" + F32_2 + "}"),
                        "'__metadata__' must be an object of strings, found an array"),
                Arguments.of("metadata value a number", st("{\"__metadata__\":{\"epoch\":3},\"a\":" + F32_2 + "}"),
                        "metadata entry 'epoch' must be a string, found the number 3"),
                Arguments.of("metadata twice", st("{\"__metadata__\":{},\"__metadata__\":{},\"a\":" + F32_2 + "}"),
                        "'__metadata__' appears twice"),
                Arguments.of("metadata key twice", st("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"},\"a\":" + F32_2 + "}"),
                        "metadata entry 'k' appears twice"),
                Arguments.of("lone surrogate in a name", st("{\"\\ud800x\":" + F32_2 + "}"),
                        "a tensor name '\\ud800x' contains an unpaired surrogate"),
                Arguments.of("lone surrogate in metadata", st("{\"__metadata__\":{\"k\":\"\\udc00\"},\"a\":" + F32_2 + "}"),
                        "metadata entry 'k' '\\udc00' contains an unpaired surrogate"),
                // tensor entries
                Arguments.of("tensor not an object", st("{\"a\":[1,2]}"), "tensor 'a' must be an object"),
                Arguments.of("tensor name twice", st("{\"a\":" + F32_2 + ",\"a\":" + F32_2 + "}"),
                        "tensor 'a' appears twice"),
                Arguments.of("dtype twice", st("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"),
                        "field \"dtype\" appears twice"),
                Arguments.of("no dtype", st("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}"), "has no \"dtype\" field"),
                Arguments.of("no shape", st("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}"), "has no \"shape\" field"),
                Arguments.of("no data_offsets", st("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}"),
                        "has no \"data_offsets\" field"),
                Arguments.of("dtype a number", st("{\"a\":" + tensor("F32", "[2]", "[0,8]").replace("\"F32\"", "32") + "}"),
                        "\"dtype\" must be a string, found the number 32"),
                Arguments.of("unknown dtype", st("{\"a\":" + tensor("F31", "[2]", "[0,8]") + "}"), "unknown dtype 'F31'"),
                Arguments.of("lower-case dtype", st("{\"a\":" + tensor("f32", "[2]", "[0,8]") + "}"), "unknown dtype 'f32'"),
                Arguments.of("complex dtype", st("{\"a\":" + tensor("C64", "[1]", "[0,8]") + "}"),
                        "dtype C64, which tokenmix cannot load"),
                Arguments.of("fp4 dtype", st("{\"a\":" + tensor("F4", "[16]", "[0,8]") + "}"), "dtype F4, which tokenmix"),
                Arguments.of("shape not an array", st("{\"a\":" + tensor("F32", "2", "[0,8]") + "}"),
                        "\"shape\" must be an array of non-negative integers, found the number 2"),
                Arguments.of("shape null", st("{\"a\":" + tensor("F32", "null", "[0,8]") + "}"), "found null"),
                Arguments.of("negative dimension", st("{\"a\":" + tensor("F32", "[-2]", "[0,8]") + "}"),
                        "\"shape\" value -2 is negative"),
                Arguments.of("fractional dimension", st("{\"a\":" + tensor("F32", "[2.0]", "[0,8]") + "}"),
                        "found the number 2.0"),
                Arguments.of("dimension above 2^63", st("{\"a\":" + tensor("F32", "[18446744073709551616]", "[0,8]") + "}"),
                        "value 18446744073709551616 is too large"),
                Arguments.of("dimension a string", st("{\"a\":" + tensor("F32", "[\"2\"]", "[0,8]") + "}"),
                        "found the string '2'"),
                Arguments.of("33 dimensions", st("{\"a\":" + tensor("F32", "[" + "1,".repeat(32) + "2]", "[0,8]") + "}"),
                        "at most 32"),
                Arguments.of("one offset", st("{\"a\":" + tensor("F32", "[2]", "[8]") + "}"),
                        "\"data_offsets\" has 1 values"),
                Arguments.of("three offsets", st("{\"a\":" + tensor("F32", "[2]", "[0,8,8]") + "}"),
                        "it must have exactly 2"),
                Arguments.of("negative offset", st("{\"a\":" + tensor("F32", "[2]", "[-8,0]") + "}"),
                        "\"data_offsets\" value -8 is negative"),
                Arguments.of("offsets an object", st("{\"a\":" + tensor("F32", "[2]", "{}") + "}"), "found an object"),
                // sizes
                Arguments.of("element count overflows", st("{\"a\":" + tensor("F32", "[4294967296,4294967296]", "[0,8]") + "}"),
                        "overflows 64 bits"),
                Arguments.of("byte size overflows", st("{\"a\":" + tensor("F64", "[2305843009213693952]", "[0,8]") + "}"),
                        "overflows 64 bits"),
                Arguments.of("empty but strides overflow", st("{\"a\":" + tensor("F32", "[0,4611686018427387904,4]", "[0,0]") + "}",
                        new byte[0]), "overflows 64 bits"),
                Arguments.of("size does not match offsets", st("{\"a\":" + tensor("F32", "[3]", "[0,8]") + "}"),
                        "needs 12 bytes but data_offsets [0, 8] span 8"),
                Arguments.of("end before begin", st("{\"a\":" + tensor("F32", "[0]", "[8,0]") + "}"), "end before they begin"),
                Arguments.of("huge offsets", st("{\"a\":" + tensor("U8", "[1000000000000]", "[0,1000000000000]") + "}"),
                        "reach past the end of the data (8 bytes); the file is truncated"),
                Arguments.of("truncated data", st("{\"a\":" + tensor("F32", "[4]", "[0,16]") + "}"),
                        "reach past the end of the data (8 bytes)"),
                // layout of the data buffer
                Arguments.of("overlap", st("{\"a\":" + F32_2 + ",\"b\":" + tensor("F32", "[1]", "[4,8]") + "}"),
                        "tensors 'a' and 'b' overlap"),
                Arguments.of("same bytes twice", st("{\"a\":" + F32_2 + ",\"b\":" + F32_2 + "}"), "overlap"),
                Arguments.of("gap at the start", st("{\"a\":" + tensor("F32", "[1]", "[4,8]") + "}"),
                        "bytes 0 to 4 of the data belong to no tensor"),
                Arguments.of("gap in the middle", st("{\"a\":" + tensor("F32", "[1]", "[0,4]") + ",\"b\":"
                        + tensor("U8", "[2]", "[6,8]") + "}"), "bytes 4 to 6 of the data belong to no tensor"),
                Arguments.of("trailing bytes", st("{\"a\":" + tensor("F32", "[1]", "[0,4]") + "}"),
                        "4 bytes follow the last tensor's data"),
                Arguments.of("polyglot trailer", st("{\"a\":" + F32_2 + "}", concat(EIGHT, "<html>".getBytes(StandardCharsets.UTF_8))),
                        "6 bytes follow the last tensor's data"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void isRefusedWithAOneLineMessage(String what, byte[] bytes, String fragment) throws IOException {
        Path p = IoTestSupport.write(dir, "bad.safetensors", bytes);
        assertRefused(p.toString(), fragment, () -> Safetensors.read(p));
        assertRefused(p.toString(), fragment, () -> Safetensors.open(p).close());
    }

    @Test
    void aDirectoryIsRefused() throws IOException {
        java.nio.file.Files.createDirectories(dir.resolve("model.safetensors"));
        Path p = dir.resolve("model.safetensors");
        assertRefused(p.toString(), "is a directory", () -> Safetensors.read(p));
        assertRefused(p.toString(), "is a directory", () -> Npy.read(p));
    }

    @Test
    void namesInMessagesAreEscapedAndShortened() throws IOException {
        String name = "evil\nname" + "x".repeat(500);
        Path p = IoTestSupport.write(dir, "names.safetensors",
                st("{\"" + name.replace("\n", "\\n") + "\":" + tensor("F32", "[3]", "[0,8]") + "}"));
        String m = assertRefused(p.toString(), "'evil\\u000aname", () -> Safetensors.read(p));
        assertTrue(m.contains("(509 chars)"), m);
        assertTrue(m.length() < 400, m);
    }

    @Test
    void aHeaderLengthOfAlmostAGigabyteIsRefusedWithoutAllocating() throws IOException {
        // A file that claims an enormous header and is indeed long (sparse): refused by the cap, not by OOM.
        Path p = dir.resolve("big-header.safetensors");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            f.write(le64(900_000_000L));
            f.setLength(900_000_008L);
        }
        assertRefused(p.toString(), "above the 100000000-byte limit", () -> Safetensors.read(p));
    }

    @Test
    void aValidHeaderAskingForMoreMemoryThanTheMachineHasIsRefusedNotACrash() throws IOException {
        // ND4J does not check its allocations: without the guard this sparse file would crash the JVM.
        long big = Math.max(org.bytedeco.javacpp.Pointer.availablePhysicalBytes(),
                org.bytedeco.javacpp.Pointer.totalPhysicalBytes()) * 2 + (1L << 30);
        String header = "{\"huge\":" + tensor("U8", "[" + big + "]", "[0," + big + "]") + "}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path p = dir.resolve("huge.safetensors");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            f.write(le64(h.length));
            f.write(h);
            f.setLength(8 + h.length + big);
        }
        try (SafetensorsFile f = Safetensors.open(p)) {
            assertEquals(big, f.info("huge").byteSize());
            assertRefused(p.toString(), "tensor 'huge' needs " + big + " bytes of memory", () -> f.read("huge"));
        }
    }

    /** Files the reference implementation accepts, and so do we. */
    @Test
    void unusualButValidFilesLoad() throws IOException {
        List<byte[]> files = List.of(
                st("{\"a\":" + F32_2 + "}"),
                st("  \n{ \"a\" : " + F32_2.replace(",", " ,\t") + " }\n\r\t "),                 // JSON whitespace anywhere
                st("{\"a\":{\"ignored\":{\"x\":[1,2,{}]},\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"z\":null}}"),
                st("{\"__metadata__\":null,\"a\":" + F32_2 + "}"),
                st("{\"a\":" + F32_2 + ",\"__metadata__\":{\"k\":\"v\"}}"),                       // metadata last
                st("{\"\\ud83d\\ude00\":" + tensor("F32", "[0]", "[0,0]") + ",\"a\":" + F32_2 + "}"), // escaped pair
                st("{\"z\":" + tensor("F32", "[0,3]", "[8,8]") + ",\"a\":" + F32_2 + "}"),         // empty tensor at the end
                st("{\"z\":" + tensor("F32", "[0]", "[0,0]") + ",\"a\":" + F32_2 + "}"));          // empty tensor at the start
        for (byte[] bytes : files) {
            Path p = IoTestSupport.write(dir, "ok.safetensors", bytes);
            Map<String, INDArray> t = Safetensors.read(p).tensors();
            assertEquals(Nd4j.zeros(DataType.FLOAT, 2), t.get("a"), new String(bytes, StandardCharsets.UTF_8));
        }
        Path none = IoTestSupport.write(dir, "none.safetensors", st("{}", new byte[0]));
        assertTrue(Safetensors.read(none).tensors().isEmpty());
        Path odd = IoTestSupport.write(dir, "odd.safetensors", st("{} ", new byte[0]));  // header length not a multiple of 8
        assertTrue(Safetensors.read(odd).tensors().isEmpty());
        Path meta = IoTestSupport.write(dir, "meta.safetensors",
                st("{\"a\":" + F32_2 + ",\"__metadata__\":{\"k\":\"v\"}}"));
        assertEquals(Map.of("k", "v"), Safetensors.read(meta).metadata());
        // file order, not header order
        Path two = IoTestSupport.write(dir, "two.safetensors", st("{\"b\":" + tensor("F32", "[1]", "[4,8]")
                + ",\"a\":" + tensor("F32", "[1]", "[0,4]") + "}"));
        assertEquals(List.of("a", "b"), List.copyOf(Safetensors.read(two).tensors().keySet()));
    }
}
