package dev.tokenmix.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Mutation fuzzing of the safetensors and .npy readers: byte flips, truncations, appended bytes,
 * header-length, offset, shape and dtype edits, random JSON / dict-literal edits, and edits that keep the
 * file valid (whitespace, key order, padding). Every case must end in a {@link WeightsFormatException} or a
 * correct load (the original values where the edit cannot have changed them), never another exception or
 * an OutOfMemoryError, and each must be fast.
 *
 * <p>Not part of the default suite: run {@code mvn -Pfuzz test -pl tokenmix-core}. Seeded; set
 * {@code -Dtokenmix.fuzz.seed=N} and {@code -Dtokenmix.fuzz.cases=N} (per format) to vary it. A failure
 * names the seed and case and leaves the input under {@code target/fuzz-failures/}.
 */
@Tag("fuzz")
@EnabledIfSystemProperty(named = "tokenmix.fuzz", matches = "true")
class WeightsFuzzIT {
    private static final long SEED = Long.getLong("tokenmix.fuzz.seed", 20261121L);
    private static final int CASES = Integer.getInteger("tokenmix.fuzz.cases", 3000);
    private static final long MAX_CASE_MILLIS = 2000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** What a mutated file must do. */
    private enum Expect {
        /** Load with exactly the original tensors, metadata and order. */
        SAME,
        /** Load with the original names, dtypes and shapes; values in the touched bytes may differ. */
        LOAD,
        /** Be refused. */
        REFUSE,
        /** Either; a load must be self-consistent. */
        ANY
    }

    private record Case(String what, byte[] bytes, Expect expect, int[] touched) {
        Case(String what, byte[] bytes, Expect expect) {
            this(what, bytes, expect, new int[0]);
        }
    }

    /** A decoded base file: names in order, dtype, shape, raw bytes. */
    private record Tensor(String name, DataType type, long[] shape, byte[] raw) {
    }

    // ---------------------------------------------------------------------------------------------
    // safetensors

    @Test
    void safetensorsMutations() throws IOException {
        List<byte[]> bases = List.of(ourSafetensors(), IoTestSupport.resource("/io/safetensors/reference.safetensors"));
        Map<Expect, Integer> outcomes = new EnumMap<>(Expect.class);
        int loaded = 0;
        int refused = 0;
        Path file = dir.resolve("fuzz.safetensors");
        for (int i = 0; i < CASES; i++) {
            byte[] base = bases.get(i % bases.size());
            Random rnd = new Random(mix(SEED, 2L * i));
            Case c = mutateSafetensors(base, rnd);
            outcomes.merge(c.expect, 1, Integer::sum);
            Files.write(file, c.bytes);
            long t0 = System.nanoTime();
            try {
                Safetensors.Contents got = Safetensors.read(file);
                checkSafetensorsLoad(c, base, got);
                loaded++;
            } catch (WeightsFormatException e) {
                checkRefusal(c, e, file);
                refused++;
            } catch (Throwable t) {
                report("safetensors", i, c, t);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (ms > MAX_CASE_MILLIS) {
                report("safetensors", i, c, new AssertionError("took " + ms + " ms"));
            }
        }
        assertNotDegenerate(loaded, refused, outcomes);
    }

    private static byte[] ourSafetensors() throws IOException {
        Random rnd = new Random(11);
        LinkedHashMap<String, INDArray> t = new LinkedHashMap<>();
        t.put("stem.weight", IoTestSupport.randomArray(DataType.FLOAT, rnd, 4, 3));
        t.put("stem.bias", IoTestSupport.randomArray(DataType.FLOAT16, rnd, 3));
        t.put("blocks.0.attn.qkv", IoTestSupport.randomArray(DataType.BFLOAT16, rnd, 2, 2));
        t.put("num_batches_tracked", IoTestSupport.randomArray(DataType.INT64, rnd));
        t.put("mask", IoTestSupport.randomArray(DataType.BOOL, rnd, 5));
        t.put("empty", IoTestSupport.randomArray(DataType.UINT8, rnd, 0, 2));
        t.put("scale", IoTestSupport.randomArray(DataType.DOUBLE, rnd));
        t.put("ids", IoTestSupport.randomArray(DataType.INT32, rnd, 3));
        Path tmp = Files.createTempFile("fuzz-base", ".safetensors");
        try {
            Safetensors.write(tmp, t, Map.of("format", "pt", "arch", "test"));
            return Files.readAllBytes(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static Case mutateSafetensors(byte[] base, Random rnd) {
        int n = (int) ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        int dataStart = 8 + n;
        String header = new String(base, 8, n, StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(base, dataStart, base.length);
        int kind = rnd.nextInt(16);
        switch (kind) {
            case 0, 1 -> {
                // flip a few bits anywhere
                byte[] b = base.clone();
                int flips = 1 + rnd.nextInt(4);
                int[] at = new int[flips];
                boolean headerTouched = false;
                for (int k = 0; k < flips; k++) {
                    at[k] = rnd.nextInt(b.length);
                    b[at[k]] ^= (byte) (1 << rnd.nextInt(8));
                    headerTouched |= at[k] < dataStart;
                }
                return new Case("flip bits at " + Arrays.toString(at), b, headerTouched ? Expect.ANY : Expect.LOAD,
                        shift(at, -dataStart));
            }
            case 2 -> {
                // flip bits only in the data buffer: must load, untouched tensors unchanged
                if (data.length == 0) {
                    return new Case("unchanged", base, Expect.SAME);
                }
                byte[] b = base.clone();
                int at = dataStart + rnd.nextInt(data.length);
                b[at] = (byte) rnd.nextInt(256);
                return new Case("set data byte " + at, b, Expect.LOAD, new int[] {at - dataStart});
            }
            case 3 -> {
                int len = rnd.nextInt(base.length);
                return new Case("truncate to " + len, Arrays.copyOf(base, len), Expect.REFUSE);
            }
            case 4 -> {
                byte[] extra = new byte[1 + rnd.nextInt(64)];
                rnd.nextBytes(extra);
                return new Case("append " + extra.length + " bytes", IoTestSupport.concat(base, extra), Expect.REFUSE);
            }
            case 5 -> {
                long[] choices = {n + 1 + rnd.nextInt(16), n - 1 - rnd.nextInt(Math.max(1, Math.min(16, n))), 0,
                    base.length - 8, base.length - 7, Safetensors.MAX_HEADER_BYTES + 1, Long.MAX_VALUE, -1,
                    rnd.nextLong(), 1L << 32, rnd.nextInt(base.length + 16)};
                long v = choices[rnd.nextInt(choices.length)];
                byte[] b = base.clone();
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v);
                return new Case("header length " + v, b, v == n ? Expect.SAME : Expect.REFUSE);
            }
            case 6 -> {
                String h = replaceNumber(header, "\"data_offsets\":\\[(\\d+),(\\d+)\\]", rnd);
                return new Case("offsets edit: " + h, rebuild(h, data), Expect.ANY);
            }
            case 7 -> {
                String h = replaceNumber(header, "\"shape\":\\[([\\d,]*)\\]", rnd);
                return new Case("shape edit: " + h, rebuild(h, data), Expect.ANY);
            }
            case 8 -> {
                String[] dtypes = {"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8",
                    "BOOL", "F8_E4M3", "F8_E5M2", "C64", "F4", "F8_E8M0", "f32", "", "F32 ", "\\u0046\\u0033\\u0032"};
                Matcher m = Pattern.compile("\"dtype\":\"([A-Z0-9_]+)\"").matcher(header);
                List<int[]> spans = new ArrayList<>();
                while (m.find()) {
                    spans.add(new int[] {m.start(1), m.end(1)});
                }
                int[] s = spans.get(rnd.nextInt(spans.size()));
                String h = header.substring(0, s[0]) + dtypes[rnd.nextInt(dtypes.length)] + header.substring(s[1]);
                return new Case("dtype edit: " + h, rebuild(h, data), Expect.ANY);
            }
            case 9, 10 -> {
                String h = editChars(header.stripTrailing(), rnd, "{}[]\":,0123456789-.eE aZ_\\\u0000\u00e9\n");
                return new Case("json edit: " + h, rebuild(h, data), Expect.ANY);
            }
            case 11 -> {
                // valid: JSON whitespace between tokens, padding of any length
                String h = sprinkleWhitespace(header.stripTrailing(), rnd, " \t\n\r") + " ".repeat(rnd.nextInt(9));
                return new Case("whitespace: " + h, rebuild(h, data), Expect.SAME);
            }
            case 12 -> {
                // valid: entries in another order (the offsets are unchanged)
                Map<String, Object> tree = parse(header);
                List<String> keys = new ArrayList<>(tree.keySet());
                Collections.shuffle(keys, rnd);
                LinkedHashMap<String, Object> shuffled = new LinkedHashMap<>();
                keys.forEach(k -> shuffled.put(k, tree.get(k)));
                String h = write(shuffled);
                return new Case("reorder: " + h, rebuild(h, data), Expect.SAME);
            }
            case 13 -> {
                // structural: duplicate, drop or rename an entry, or add an unknown field
                Map<String, Object> tree = parse(header);
                List<String> keys = new ArrayList<>(tree.keySet());
                String k = keys.get(rnd.nextInt(keys.size()));
                String h;
                switch (rnd.nextInt(4)) {
                    case 0 -> h = write(tree).replaceFirst("\\{", "{" + quoteJson(k) + ":" + write(tree.get(k)) + ",");
                    case 1 -> {
                        tree.remove(k);
                        h = write(tree);
                    }
                    case 2 -> {
                        Object v = tree.remove(k);
                        tree.put(k + "_renamed", v);
                        h = write(tree);
                    }
                    default -> {
                        Object v = tree.get(k);
                        if (v instanceof Map<?, ?> m) {
                            @SuppressWarnings("unchecked")
                            Map<String, Object> entry = (Map<String, Object>) m;
                            entry.put("extra", List.of(1, Map.of("x", "y")));
                        }
                        h = write(tree);
                    }
                }
                return new Case("structure: " + h, rebuild(h, data), Expect.ANY);
            }
            case 14 -> {
                // the header replaced by random JSON-ish bytes of a random length
                byte[] junk = new byte[rnd.nextInt(64)];
                rnd.nextBytes(junk);
                return new Case("junk header", IoTestSupport.concat(IoTestSupport.le64(junk.length), junk, data), Expect.ANY);
            }
            default -> {
                // valid: the original, untouched
                return new Case("unchanged", base, Expect.SAME);
            }
        }
    }

    private void checkSafetensorsLoad(Case c, byte[] base, Safetensors.Contents got) throws IOException {
        Safetensors.Contents original = readBytes(base);
        switch (c.expect) {
            case REFUSE -> fail("expected a refusal");
            case SAME -> {
                assertEquals(new ArrayList<>(original.tensors().keySet()), new ArrayList<>(got.tensors().keySet()));
                assertEquals(original.metadata(), got.metadata());
                for (String k : original.tensors().keySet()) {
                    assertSameTensor(original.tensors().get(k), got.tensors().get(k), k);
                }
            }
            case LOAD -> {
                assertEquals(new ArrayList<>(original.tensors().keySet()), new ArrayList<>(got.tensors().keySet()));
                try (SafetensorsFile f = Safetensors.open(dir.resolve("fuzz.safetensors"))) {
                    for (Safetensors.TensorInfo t : f.infos()) {
                        INDArray o = original.tensors().get(t.name());
                        INDArray g = got.tensors().get(t.name());
                        assertEquals(o.dataType(), g.dataType());
                        assertArrayEquals(o.shape(), g.shape());
                        boolean touched = false;
                        for (int at : c.touched) {
                            touched |= at >= t.begin() && at < t.end();
                        }
                        if (!touched) {
                            assertSameTensor(o, g, t.name());
                        }
                    }
                }
            }
            case ANY -> {
                // A load must be self-consistent: writing it back and reading it again changes nothing.
                Path again = dir.resolve("again.safetensors");
                Safetensors.write(again, got.tensors(), got.metadata());
                Safetensors.Contents back = Safetensors.read(again);
                assertEquals(new ArrayList<>(got.tensors().keySet()).size(), back.tensors().size());
                for (Map.Entry<String, INDArray> e : got.tensors().entrySet()) {
                    assertSameTensor(e.getValue(), back.tensors().get(e.getKey()), e.getKey());
                }
                assertEquals(got.metadata(), back.metadata());
            }
            default -> throw new IllegalStateException();
        }
    }

    private Safetensors.Contents readBytes(byte[] bytes) throws IOException {
        Path p = dir.resolve("base.safetensors");
        if (!Files.exists(p) || !Arrays.equals(Files.readAllBytes(p), bytes)) {
            Files.write(p, bytes);
        }
        return Safetensors.read(p);
    }

    // ---------------------------------------------------------------------------------------------
    // .npy

    @Test
    void npyMutations() throws IOException {
        List<byte[]> bases = new ArrayList<>();
        Path tmp = dir.resolve("base.npy");
        Npy.write(tmp, IoTestSupport.randomArray(DataType.FLOAT, new Random(3), 3, 4));
        bases.add(Files.readAllBytes(tmp));
        for (String name : new String[] {"f8_fortran.npy", "i4_big_endian_fortran.npy", "v3.npy", "bool.npy", "scalar.npy",
            "f2.npy", "v2.npy", "u2_big_endian.npy"}) {
            bases.add(IoTestSupport.resource("/io/npy/" + name));
        }
        Map<Expect, Integer> outcomes = new EnumMap<>(Expect.class);
        int loaded = 0;
        int refused = 0;
        Path file = dir.resolve("fuzz.npy");
        for (int i = 0; i < CASES; i++) {
            byte[] base = bases.get(i % bases.size());
            Random rnd = new Random(mix(SEED, 2L * i + 1));
            Case c = mutateNpy(base, rnd);
            outcomes.merge(c.expect, 1, Integer::sum);
            Files.write(file, c.bytes);
            long t0 = System.nanoTime();
            try {
                INDArray got = Npy.read(file);
                checkNpyLoad(c, Npy.read(base, "base"), got);
                loaded++;
            } catch (WeightsFormatException e) {
                checkRefusal(c, e, file);
                refused++;
            } catch (Throwable t) {
                report("npy", i, c, t);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (ms > MAX_CASE_MILLIS) {
                report("npy", i, c, new AssertionError("took " + ms + " ms"));
            }
        }
        assertNotDegenerate(loaded, refused, outcomes);
    }

    private static Case mutateNpy(byte[] base, Random rnd) {
        int major = base[6];
        int prefix = major == 1 ? 10 : 12;
        ByteBuffer lb = ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN);
        int hlen = major == 1 ? lb.getShort(8) & 0xFFFF : lb.getInt(8);
        int dataStart = prefix + hlen;
        String header = new String(base, prefix, hlen, StandardCharsets.ISO_8859_1);
        byte[] data = Arrays.copyOfRange(base, dataStart, base.length);
        int kind = rnd.nextInt(15);
        switch (kind) {
            case 0, 1 -> {
                byte[] b = base.clone();
                int flips = 1 + rnd.nextInt(4);
                boolean headerTouched = false;
                int[] at = new int[flips];
                for (int k = 0; k < flips; k++) {
                    at[k] = rnd.nextInt(b.length);
                    b[at[k]] ^= (byte) (1 << rnd.nextInt(8));
                    headerTouched |= at[k] < dataStart;
                }
                return new Case("flip bits at " + Arrays.toString(at), b, headerTouched ? Expect.ANY : Expect.LOAD);
            }
            case 2 -> {
                int len = rnd.nextInt(base.length);
                return new Case("truncate to " + len, Arrays.copyOf(base, len), Expect.REFUSE);
            }
            case 3 -> {
                byte[] extra = new byte[1 + rnd.nextInt(64)];
                rnd.nextBytes(extra);
                return new Case("append", IoTestSupport.concat(base, extra), Expect.REFUSE);
            }
            case 4 -> {
                byte[] b = base.clone();
                int[] choices = {hlen + 1 + rnd.nextInt(16), hlen - 1 - rnd.nextInt(Math.min(16, hlen)), 0, 0xFFFF,
                    rnd.nextInt(), Integer.MAX_VALUE, Npy.MAX_HEADER_BYTES + 1};
                int v = choices[rnd.nextInt(choices.length)];
                if (major == 1) {
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(8, (short) v);
                    v &= 0xFFFF;
                } else {
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(8, v);
                }
                return new Case("header length " + v, b, Expect.ANY);
            }
            case 5 -> {
                byte[] b = base.clone();
                b[6] = (byte) rnd.nextInt(6);
                b[7] = (byte) (rnd.nextInt(4) == 0 ? rnd.nextInt(3) : 0);
                return new Case("version " + b[6] + "." + b[7], b, Expect.ANY);
            }
            case 6, 7 -> {
                String h = editChars(header.stripTrailing(), rnd, "{}()[]':,0123456789-LTFNrue aO<>|=\\\"\n\u0000\u00e9");
                return new Case("header edit: " + h, npyFile(major, h, data), Expect.ANY);
            }
            case 8 -> {
                String[] descrs = {"'<f4'", "'>f4'", "'<f8'", "'>f8'", "'<f2'", "'<i8'", "'>i4'", "'|i1'", "'|u1'",
                    "'<u2'", "'|b1'", "'|O'", "'<U3'", "'|S4'", "'<c8'", "'<f16'", "'<M8[s]'", "'|V8'",
                    "[('a', '<f4')]", "None", "4", "'<f4 '", "''", "'f4'", "'=i2'"};
                String h = header.replaceFirst("'descr': *('[^']*'|\\[[^\\]]*\\])", "'descr': "
                        + Matcher.quoteReplacement(descrs[rnd.nextInt(descrs.length)]));
                return new Case("descr edit: " + h, npyFile(major, h, data), Expect.ANY);
            }
            case 9 -> {
                String[] shapes = {"()", "(0,)", "(1,)", "(2, 3)", "(3, 2)", "(6,)", "(12,)", "(24,)", "(2, 3, 4)", "(4, 3, 2)",
                    "(-1,)", "(99999999999999999999,)", "(4294967296, 4294967296)", "[3, 4]", "(3 4)", "(,)", "(3,,)",
                    "(" + "1, ".repeat(40) + "1)", "(" + rnd.nextInt(100) + ", " + rnd.nextInt(100) + ")"};
                String h = header.replaceFirst("'shape': *\\([^)]*\\)", "'shape': "
                        + Matcher.quoteReplacement(shapes[rnd.nextInt(shapes.length)]));
                return new Case("shape edit: " + h, npyFile(major, h, data), Expect.ANY);
            }
            case 10 -> {
                // the Fortran flag flipped: still a valid file with the same dtype and shape
                String h = header.contains("True") ? header.replace("True", "False") : header.replace("False", "True");
                return new Case("fortran flip: " + h, npyFile(major, h, data), Expect.LOAD);
            }
            case 11 -> {
                // valid: another key order, other quotes and spacing, no newline
                String h = header.stripTrailing();
                Matcher m = Pattern.compile("'descr': *('[^']*'), *'fortran_order': *(True|False), *'shape': *(\\([^)]*\\)),? *\\}")
                        .matcher(h);
                assertTrue(m.find(), h);
                String[] parts = {"'descr': " + m.group(1), "\"fortran_order\":" + m.group(2), "'shape' :  " + m.group(3)};
                List<String> order = new ArrayList<>(List.of(parts));
                Collections.shuffle(order, rnd);
                String v = "{" + String.join(rnd.nextBoolean() ? ", " : ",\t", order) + (rnd.nextBoolean() ? ", }" : "}")
                        + " ".repeat(rnd.nextInt(70)) + (rnd.nextBoolean() ? "\n" : "");
                return new Case("respelled: " + v, npyFile(major, v, data), Expect.SAME);
            }
            case 12 -> {
                byte[] junk = new byte[rnd.nextInt(80)];
                rnd.nextBytes(junk);
                return new Case("junk header", npyFile(major, new String(junk, StandardCharsets.ISO_8859_1), data), Expect.ANY);
            }
            default -> {
                return new Case("unchanged", base, Expect.SAME);
            }
        }
    }

    private static byte[] npyFile(int major, String header, byte[] data) {
        byte[] h = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int prefix = major == 1 ? 10 : 12;
        ByteBuffer b = ByteBuffer.allocate(prefix + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) h.length);
        } else {
            b.putInt(h.length);
        }
        return b.put(h).put(data).array();
    }

    private void checkNpyLoad(Case c, INDArray original, INDArray got) throws IOException {
        switch (c.expect) {
            case REFUSE -> fail("expected a refusal");
            case SAME -> {
                assertSameTensor(original, got, "array");
            }
            case LOAD -> {
                assertEquals(original.dataType(), got.dataType());
                assertArrayEquals(original.shape(), got.shape());
            }
            case ANY -> {
                Path again = dir.resolve("again.npy");
                Npy.write(again, got);
                assertSameTensor(got, Npy.read(again), "array");
            }
            default -> throw new IllegalStateException();
        }
        assertEquals('c', got.ordering());
    }

    // ---------------------------------------------------------------------------------------------
    // shared

    /** Every kind of expectation was exercised, and both outcomes occurred often. */
    private static void assertNotDegenerate(int loaded, int refused, Map<Expect, Integer> outcomes) {
        if (CASES >= 200) {
            assertEquals(Expect.values().length, outcomes.size(), "expectations exercised: " + outcomes);
            assertTrue(loaded > CASES / 20 && refused > CASES / 4, "degenerate fuzz: " + loaded + " loaded, "
                    + refused + " refused, " + outcomes);
        }
    }

    private static void checkRefusal(Case c, WeightsFormatException e, Path file) {
        if (c.expect == Expect.SAME || c.expect == Expect.LOAD) {
            throw new AssertionError("expected a load, got: " + e.getMessage(), e);
        }
        String m = e.getMessage();
        assertFalse(m.contains("\n") || m.contains("\r"), "message not one line: " + m);
        assertTrue(m.contains(file.toString()), "message does not name the file: " + m);
    }

    private static void assertSameTensor(INDArray expected, INDArray actual, String name) {
        assertEquals(expected.dataType(), actual.dataType(), name);
        assertArrayEquals(expected.shape(), actual.shape(), name);
        assertArrayEquals(IoTestSupport.rawBytes(expected), IoTestSupport.rawBytes(actual), name);
    }

    private static void report(String format, int i, Case c, Throwable t) {
        Path out = Paths.get("target", "fuzz-failures", format + "-seed" + SEED + "-case" + i + ".bin");
        try {
            Files.createDirectories(out.getParent());
            Files.write(out, c.bytes);
        } catch (IOException ignored) {
            // the report below is what matters
        }
        String what = c.what.length() > 300 ? c.what.substring(0, 300) + "..." : c.what;
        fail(format + " fuzz case failed: seed=" + SEED + " case=" + i + " expect=" + c.expect + " mutation="
                + what.replace('\n', ' ') + " input=" + out + " (rerun: mvn -Pfuzz test -pl tokenmix-core"
                + " -Dtokenmix.fuzz.seed=" + SEED + " -Dtokenmix.fuzz.cases=" + (i + 1) + "): " + t, t);
    }

    /** A well-spread seed for one case (splitmix64): java.util.Random's first draws from adjacent seeds correlate. */
    private static long mix(long seed, long i) {
        long z = seed + (i + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static byte[] rebuild(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return IoTestSupport.concat(IoTestSupport.le64(h.length), h, data);
    }

    private static int[] shift(int[] at, int by) {
        int[] out = new int[at.length];
        for (int i = 0; i < at.length; i++) {
            out[i] = at[i] + by;
        }
        return out;
    }

    /** Replaces one number inside a random match of {@code regex} (whose groups hold numbers). */
    private static String replaceNumber(String s, String regex, Random rnd) {
        Matcher m = Pattern.compile(regex).matcher(s);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            Matcher num = Pattern.compile("\\d+").matcher(s.substring(m.start(), m.end()));
            while (num.find()) {
                if (num.start() >= m.start(1) - m.start()) {
                    spans.add(new int[] {m.start() + num.start(), m.start() + num.end()});
                }
            }
        }
        if (spans.isEmpty()) {
            return s;
        }
        int[] span = spans.get(rnd.nextInt(spans.size()));
        long old = Long.parseLong(s.substring(span[0], span[1]));
        String[] choices = {Long.toString(old + 1 + rnd.nextInt(8)), Long.toString(Math.max(0, old - 1 - rnd.nextInt(8))),
            "0", Long.toString(old * 2), "-1", "9223372036854775807", "18446744073709551616", "1e3", "4.0",
            Long.toString(rnd.nextLong() & Long.MAX_VALUE), Integer.toString(rnd.nextInt(4096)), "4294967296"};
        return s.substring(0, span[0]) + choices[rnd.nextInt(choices.length)] + s.substring(span[1]);
    }

    /** One to three random deletions, insertions or replacements of characters. */
    private static String editChars(String s, Random rnd, String alphabet) {
        StringBuilder b = new StringBuilder(s);
        int edits = 1 + rnd.nextInt(3);
        for (int k = 0; k < edits; k++) {
            int at = b.length() == 0 ? 0 : rnd.nextInt(b.length());
            char c = alphabet.charAt(rnd.nextInt(alphabet.length()));
            switch (rnd.nextInt(3)) {
                case 0 -> {
                    if (b.length() > 0) {
                        b.deleteCharAt(at);
                    }
                }
                case 1 -> b.insert(at, c);
                default -> {
                    if (b.length() > 0) {
                        b.setCharAt(at, c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** Inserts whitespace after structural characters outside strings. */
    private static String sprinkleWhitespace(String json, Random rnd, String ws) {
        StringBuilder b = new StringBuilder();
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            b.append(c);
            if (c == '"' && (i == 0 || json.charAt(i - 1) != '\\')) {
                inString = !inString;
            }
            if (!inString && "{}[],:".indexOf(c) >= 0 && rnd.nextInt(3) == 0) {
                for (int k = rnd.nextInt(3); k >= 0; k--) {
                    b.append(ws.charAt(rnd.nextInt(ws.length())));
                }
            }
        }
        return (rnd.nextBoolean() ? " \n" : "") + b;
    }

    private static Map<String, Object> parse(String header) {
        try {
            return JSON.readValue(header, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String write(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String quoteJson(String s) {
        return write(s);
    }
}
