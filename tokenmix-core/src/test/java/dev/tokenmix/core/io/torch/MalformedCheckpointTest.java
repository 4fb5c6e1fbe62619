package dev.tokenmix.core.io.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tokenmix.core.io.WeightsFormatException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Broken, truncated, oversized and mistaken files end in a {@link WeightsFormatException} with a one-line message
 * naming the file, within seconds and without allocating what the file merely declares; no other exception type
 * escapes {@link TorchCheckpoint#read}.
 */
class MalformedCheckpointTest {
    private static final Duration QUICK = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    /** Reads {@code content} as a file and returns the failure, checked for type, one line and the file's name. */
    private WeightsFormatException fails(String name, byte[] content) {
        Path file = TorchFiles.write(dir, name, content);
        return fails(file);
    }

    private static WeightsFormatException fails(Path file) {
        WeightsFormatException e = assertTimeoutPreemptively(QUICK, () -> {
            try {
                Object o = TorchCheckpoint.read(file);
                return fail("read " + file + " without error: " + o);
            } catch (WeightsFormatException x) {
                return x;
            }
        });
        assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), e.getMessage());
        assertTrue(e.getMessage().startsWith("cannot load " + file + ": ")
                || e.getMessage().startsWith("refusing to load " + file + ": "), e.getMessage());
        return e;
    }

    private static void assertContains(WeightsFormatException e, String part) {
        assertTrue(e.getMessage().contains(part), () -> "'" + part + "' not in: " + e.getMessage());
    }

    /** {@code {'w': tensor}} over storage '0' of {@code numel} floats, and the zip holding {@code storageBytes}. */
    private static byte[] oneTensorZip(long numel, long offset, long[] size, long[] stride, byte[] storageBytes) {
        byte[] pkl = new PickleWriter().proto(2).emptyDict().str("w")
                .tensor("FloatStorage", "0", numel, offset, size, stride).setitem().stop().toBytes();
        return TorchFiles.zip(pkl, Map.of("0", storageBytes));
    }

    // ------------------------------------------------------------------------------------------ other formats

    @Test
    void missingEmptyAndForeignFiles() {
        assertContains(fails(dir.resolve("absent.pth")), "no such file");
        assertContains(fails(dir), "cannot load");
        assertContains(fails("empty.pth", new byte[0]), "the file is empty");
        assertContains(fails("text.pth", "hello, world\n".getBytes(StandardCharsets.US_ASCII)),
                "not a PyTorch checkpoint: neither a zip archive");
        assertContains(fails("gz.pth", new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0}), "gzip");
        byte[] tar = new byte[1024];
        System.arraycopy("ustar".getBytes(StandardCharsets.US_ASCII), 0, tar, 257, 5);
        assertContains(fails("old.pth", tar), "torch before 0.4");
    }

    @Test
    void safetensorsNpyAndNpzPassedByMistakeAreNamed() {
        byte[] header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"
                .getBytes(StandardCharsets.US_ASCII);
        ByteBuffer st = ByteBuffer.allocate(8 + header.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        st.putLong(header.length).put(header).putFloat(1f);
        assertContains(fails("w.safetensors", st.array()), "this is a safetensors file");

        byte[] npy = ("\u0093NUMPY\u0001\u0000v\u0000{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"
                + "          \n").getBytes(StandardCharsets.ISO_8859_1);
        assertContains(fails("w.npy", npy), "NumPy .npy file");

        Map<String, byte[]> npz = new LinkedHashMap<>();
        npz.put("w.npy", npy);
        assertContains(fails("w.npz", TorchFiles.zipOf(npz)), "NumPy .npz archive");

        Map<String, byte[]> script = new LinkedHashMap<>();
        script.put("model/data.pkl", new PickleWriter().proto(2).none().stop().toBytes());
        script.put("model/constants.pkl", new PickleWriter().proto(2).none().stop().toBytes());
        assertContains(fails("script.pt", TorchFiles.zipOf(script)), "TorchScript archive");

        Map<String, byte[]> other = new LinkedHashMap<>();
        other.put("readme.txt", "hi".getBytes(StandardCharsets.US_ASCII));
        assertContains(fails("other.zip", TorchFiles.zipOf(other)), "without data.pkl");
    }

    @Test
    void aPlainPickleIsNotACheckpoint() {
        assertContains(fails("p.pkl", new PickleWriter().proto(2).str("hello").stop().toBytes()),
                "a pickle of a str, not a PyTorch checkpoint");
    }

    // ------------------------------------------------------------------------------------------ truncation, corruption

    @ParameterizedTest
    @ValueSource(strings = {"state_dict_zip.pth", "state_dict_legacy.pth", "checkpoint_nested.pth.tar",
        "checkpoint_nested_legacy.pth"})
    void everyTruncationFails(String fixture) {
        byte[] full = TorchFiles.bytes(fixture);
        // 40 cut points spread over the file, plus the first and last few bytes
        List<Integer> cuts = new ArrayList<>(List.of(1, 2, 3, 10, full.length - 1, full.length - 8));
        for (int i = 1; i < 40; i++) {
            cuts.add(full.length * i / 40);
        }
        for (int cut : cuts) {
            fails("cut" + cut + ".pth", Arrays.copyOf(full, cut));
        }
    }

    /** Random single-byte corruptions either still load or fail cleanly; nothing else escapes, nothing hangs. */
    @ParameterizedTest
    @ValueSource(strings = {"state_dict_zip.pth", "state_dict_legacy.pth", "checkpoint_nested.pth.tar",
        "checkpoint_nested_legacy.pth"})
    void corruptedBytesNeverEscapeAsAnotherException(String fixture) {
        byte[] full = TorchFiles.bytes(fixture);
        Random rnd = new Random(fixture.hashCode());
        int failed = 0;
        for (int trial = 0; trial < 150; trial++) {
            byte[] b = full.clone();
            int pos = rnd.nextInt(b.length);
            b[pos] = (byte) (rnd.nextBoolean() ? rnd.nextInt(256) : b[pos] ^ (1 << rnd.nextInt(8)));
            Path file = TorchFiles.write(dir, "x" + trial + ".pth", b);
            try {
                assertTimeoutPreemptively(QUICK, () -> TorchCheckpoint.read(file));
            } catch (WeightsFormatException e) {
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
                failed++;
            }
        }
        assertTrue(failed > 0, "no corruption was noticed at all");
    }

    @Test
    void zipRecordWithHugeDeclaredSizesFails() {
        byte[] zip = oneTensorZip(2, 0, new long[] {2}, new long[] {1}, TorchFiles.floats(1, 2));
        // patch the sizes of every central directory record (signature PK\1\2) to 0xFFFFFFF0
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 46 < zip.length; i++) {
            if (b.getInt(i) == 0x02014b50) {
                b.putInt(i + 20, 0xFFFFFFF0);
                b.putInt(i + 24, 0xFFFFFFF0);
            }
        }
        fails("huge.pth", zip);
    }

    // ------------------------------------------------------------------------------------------ storages and views

    @Test
    void storageShorterThanDeclaredFails() {
        byte[] zip = oneTensorZip(6, 0, new long[] {2, 3}, new long[] {3, 1}, TorchFiles.floats(1, 2));
        assertContains(fails("short.pth", zip), "storage record data/0 holds 8 bytes but the pickle declares 6"
                + " elements of 4 bytes");
    }

    @Test
    void compressedStorageRecordIsRefused() throws Exception {
        byte[] pkl = new PickleWriter().proto(2).tensor("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1})
                .stop().toBytes();
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bos)) {
            z.putNextEntry(new ZipEntry("archive/data.pkl"));
            z.write(pkl);
            z.putNextEntry(new ZipEntry("archive/data/0"));
            z.write(TorchFiles.floats(1, 2));
        }
        assertContains(fails("deflated.pth", bos.toByteArray()), "storage record data/0 is compressed");
    }

    @Test
    void storageMissingFromTheArchiveFails() {
        byte[] pkl = new PickleWriter().proto(2).tensor("FloatStorage", "7", 1, 0, new long[0], new long[0]).stop()
                .toBytes();
        assertContains(fails("nostorage.pth", TorchFiles.zip(pkl, Map.of())), "storage '7' has no record data/7");
    }

    @Test
    void viewsOutsideTheirStorageFail() {
        byte[] six = TorchFiles.floats(1, 2, 3, 4, 5, 6);
        // offset pushes the last element past the storage
        assertContains(fails("off.pth", oneTensorZip(6, 1, new long[] {2, 3}, new long[] {3, 1}, six)),
                "reaches element 6 of storage '0', which has 6 elements");
        // a stride that jumps out
        assertContains(fails("stride.pth", oneTensorZip(6, 0, new long[] {2, 3}, new long[] {5, 1}, six)),
                "reaches element 7");
        // strides whose products overflow 64 bits
        assertContains(fails("ovf.pth", oneTensorZip(6, 0, new long[] {3, 3}, new long[] {1L << 62, 1}, six)),
                "overflows 64-bit element counts");
        // a huge offset
        assertContains(fails("bigoff.pth", oneTensorZip(6, Long.MAX_VALUE, new long[] {2}, new long[] {1}, six)),
                "overflows 64-bit element counts");
        // size and stride of different ranks
        assertContains(fails("rank.pth", oneTensorZip(6, 0, new long[] {2, 3}, new long[] {1}, six)),
                "has stride [1]");
    }

    @Test
    void absurdShapesFailBeforeAnyAllocation() {
        byte[] six = TorchFiles.floats(1, 2, 3, 4, 5, 6);
        // element count overflows
        assertContains(fails("prod.pth", oneTensorZip(6, 0, new long[] {1L << 32, 1L << 32}, new long[] {0, 0}, six)),
                "overflows 64-bit element counts");
        // a trillion elements over six
        assertContains(fails("trillion.pth", oneTensorZip(6, 0, new long[] {1_000_000, 1_000_000},
                new long[] {1_000_000, 1}, six)), "reaches element");
        // a stride-0 view of a trillion elements fits the storage but not memory
        assertContains(fails("expand.pth", oneTensorZip(6, 0, new long[] {1_000_000, 1_000_000}, new long[] {0, 0},
                six)), "over 2 GiB");
        // a storage that declares 2^40 elements in a tiny file
        assertContains(fails("decl.pth", oneTensorZip(1L << 40, 0, new long[] {2}, new long[] {1}, six)),
                "holds 24 bytes but the pickle declares 1099511627776 elements");
        // negative sizes
        assertContains(fails("neg.pth", oneTensorZip(6, 0, new long[] {-1}, new long[] {1}, six)),
                "must be a non-negative 64-bit integer");
    }

    @Test
    void manyLargeStrideZeroViewsExceedTheMemoryBudget() {
        // eight 1 GiB views of one float: each allowed alone, together far more than a 100-byte file warrants
        PickleWriter w = new PickleWriter().proto(2).emptyDict();
        for (int i = 0; i < 8; i++) {
            w.str("v" + i).tensor("FloatStorage", "0", 1, 0, new long[] {1L << 28}, new long[] {0}).setitem();
        }
        byte[] zip = TorchFiles.zip(w.stop().toBytes(), Map.of("0", TorchFiles.floats(1)));
        assertContains(fails("budget.pth", zip), "more than 4 times the file's data");
    }

    @Test
    void tensorTypesWithoutAnNd4jTypeAreNamed() {
        byte[] pkl = new PickleWriter().proto(2).tensor("ComplexFloatStorage", "0", 1, 0, new long[] {1},
                new long[] {1}).stop().toBytes();
        assertContains(fails("complex.pth", TorchFiles.zip(pkl, Map.of("0", new byte[8]))),
                "torch.complex64 tensors, which ND4J has no type for");
    }

    // ------------------------------------------------------------------------------------------ legacy layout

    @Test
    void legacyFileBuiltByHandLoads() {
        byte[] obj = new PickleWriter().proto(2).emptyDict().str("w")
                .tensor("FloatStorage", "k", 3, 0, new long[] {3}, new long[] {1}).setitem().stop().toBytes();
        Path file = TorchFiles.write(dir, "legacy.pth", TorchFiles.legacy(obj, List.of("k"), List.of(3L),
                List.of(TorchFiles.floats(1, 2, 3))));
        INDArray w = (INDArray) ((Map<?, ?>) TorchCheckpoint.read(file)).get("w");
        assertEquals(List.of(1.0, 2.0, 3.0), List.of(w.getDouble(0), w.getDouble(1), w.getDouble(2)));
    }

    @Test
    void legacyStorageProblemsFail() {
        byte[] obj = new PickleWriter().proto(2).emptyDict().str("w")
                .tensor("FloatStorage", "k", 3, 0, new long[] {3}, new long[] {1}).setitem().stop().toBytes();
        // the count says 3 elements but only two follow
        assertContains(fails("l1.pth", TorchFiles.legacy(obj, List.of("k"), List.of(3L),
                List.of(TorchFiles.floats(1, 2)))), "declares 3 elements of 4 bytes but the file has 8 bytes left");
        // a count of 2^62
        assertContains(fails("l2.pth", TorchFiles.legacy(obj, List.of("k"), List.of(1L << 62),
                List.of(TorchFiles.floats(1, 2, 3)))), "declares 4611686018427387904 elements");
        // fewer elements than the pickle declares
        assertContains(fails("l3.pth", TorchFiles.legacy(obj, List.of("k"), List.of(2L),
                List.of(TorchFiles.floats(1, 2)))), "holds 2 elements but the pickle declares 3");
        // a key the pickle never used
        assertContains(fails("l4.pth", TorchFiles.legacy(obj, List.of("other"), List.of(3L),
                List.of(TorchFiles.floats(1, 2, 3)))), "names 'other', which the pickle never uses");
        // the key list leaves out a storage a tensor needs
        assertContains(fails("l5.pth", TorchFiles.legacy(obj, List.of(), List.of(), List.of())),
                "missing from the storage key list");
        // a wrong protocol number
        byte[] good = TorchFiles.legacy(obj, List.of("k"), List.of(3L), List.of(TorchFiles.floats(1, 2, 3)));
        int at = indexOf(good, new byte[] {'J', (byte) 0xe9, 3, 0, 0});
        good[at + 1] = (byte) 0xea;
        assertContains(fails("l6.pth", good), "legacy checkpoint protocol 1002, not 1001");
    }

    // ------------------------------------------------------------------------------------------ hostile pickle data

    @Test
    void declaredLengthsBeyondTheDataFailWithoutAllocating() {
        int[][] headers = {
            {'X', 0xFF, 0xFF, 0xFF, 0x7F},                                  // BINUNICODE of 2 GiB
            {0x8d, 0, 0, 0, 0, 0, 0, 0, 0x40},                              // BINUNICODE8 of 2^62
            {'B', 0xF0, 0xFF, 0xFF, 0xFF},                                  // BINBYTES of 4 GiB
            {0x8e, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F},         // BINBYTES8 of 2^63 - 1
            {0x96, 0, 0, 0, 0, 1, 0, 0, 0},                                 // BYTEARRAY8 of 2^32
            {'T', 0xFF, 0xFF, 0xFF, 0x7F},                                  // BINSTRING of 2 GiB
            {0x8b, 0xFF, 0xFF, 0xFF, 0x7F},                                 // LONG4 of 2 GiB
            {0x95, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0}};                    // FRAME of 4 GiB
        for (int[] h : headers) {
            byte[] pkl = new PickleWriter().proto(4).raw(h).raw('a', 'b', 'c', '.').toBytes();
            fails("len" + h[0] + ".pth", TorchFiles.zip(pkl, Map.of()));
            fails("len" + h[0] + ".pkl", pkl);
        }
    }

    @Test
    void malformedPickleStreamsFail() {
        byte[][] pickles = {
            new PickleWriter().proto(2).stop().toBytes(),                           // STOP on an empty stack
            new PickleWriter().proto(2).raw('h', 9).stop().toBytes(),               // BINGET of an unset memo
            new PickleWriter().proto(2).raw('u').stop().toBytes(),                  // SETITEMS without a mark
            new PickleWriter().proto(2).str("x").str("y").raw('s').stop().toBytes(), // SETITEM on a str
            new PickleWriter().proto(2).emptyTuple().str("y").append().stop().toBytes(), // APPEND to a tuple
            new PickleWriter().proto(9).none().stop().toBytes(),                    // unknown protocol
            new PickleWriter().proto(2).raw(0xFE).stop().toBytes(),                 // unknown opcode
            new PickleWriter().proto(2).none().toBytes(),                           // no STOP
            new PickleWriter().proto(2).raw('P').ascii("0\n").stop().toBytes(),     // text persistent id
            new PickleWriter().proto(5).raw(0x97).stop().toBytes(),                 // out-of-band buffer
            new PickleWriter().proto(2).str("storage").binpersid().stop().toBytes(), // persistent id not a tuple
            new PickleWriter().proto(2).global("torch._utils", "_rebuild_tensor_v2").mark().str("s").integer(0)
                    .ints(1).ints(1).bool(false).none().tuple().reduce().stop().toBytes(), // storage that is a str
            new PickleWriter().proto(2).global("torch._utils", "_rebuild_tensor_v2").emptyTuple().reduce().stop()
                    .toBytes(),                                                     // wrong arity
            new PickleWriter().proto(4).integer(1).integer(2).raw(0x93).stop().toBytes(), // STACK_GLOBAL of ints
            new PickleWriter().proto(2).global("torch", "Float Storage").stop().toBytes(), // not a Python name
            new PickleWriter().proto(2).raw('c').ascii("os").stop().toBytes(),      // GLOBAL cut inside its name
            new PickleWriter().proto(2).raw('c').raw(new byte[5000]).toBytes()};    // a name line without end
        for (int i = 0; i < pickles.length; i++) {
            WeightsFormatException e = fails("m" + i + ".pth", TorchFiles.zip(pickles[i], Map.of()));
            assertFalse(e instanceof UnsafePickleException, e.getMessage());
        }
    }

    @Test
    void deeplyNestedAndSelfReferencingDataLoadsWithoutRecursion() {
        PickleWriter w = new PickleWriter().proto(2);
        int depth = 200_000;
        for (int i = 0; i < depth; i++) {
            w.emptyList();
        }
        for (int i = 0; i < depth - 1; i++) {
            w.append();
        }
        // a list that contains itself: [x], x.append(x)
        byte[] cyclic = new PickleWriter().proto(2).emptyList().raw('q', 0).raw('h', 0).append().stop().toBytes();
        Object deep = assertTimeoutPreemptively(QUICK, () -> TorchCheckpoint.read(TorchFiles.write(dir, "deep.pth",
                TorchFiles.zip(w.stop().toBytes(), Map.of()))));
        assertInstanceOf(List.class, deep);
        List<?> self = (List<?>) TorchCheckpoint.read(TorchFiles.write(dir, "cyc.pth", TorchFiles.zip(cyclic,
                Map.of())));
        assertTrue(self.get(0) == self);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
