package dev.tokenmix.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Byte-level helpers shared by the safetensors and .npy tests. */
final class IoTestSupport {
    private IoTestSupport() {
    }

    /** The elements of {@code a} in C order as native (little-endian) bytes. */
    static byte[] rawBytes(INDArray a) {
        if (a.isEmpty()) {
            return new byte[0];
        }
        INDArray c = IoSupport.contiguousC(a);
        int n = Math.toIntExact(c.length() * c.dataType().width());
        byte[] out = new byte[n];
        IoSupport.memory(c, 0, n).get(out);
        return out;
    }

    /** A fresh C-order array of random bits (BOOL: random 0/1). */
    static INDArray randomArray(DataType type, Random rnd, long... shape) {
        INDArray a = IoSupport.allocate(type, shape);
        if (a.isEmpty()) {
            return a;
        }
        int n = Math.toIntExact(a.length() * type.width());
        byte[] bytes = new byte[n];
        rnd.nextBytes(bytes);
        if (type == DataType.BOOL) {
            for (int i = 0; i < n; i++) {
                bytes[i] = (byte) (bytes[i] & 1);
            }
        }
        IoSupport.memory(a, 0, n).put(bytes);
        IoSupport.hostWritten(a);
        return a;
    }

    /** A safetensors file: the header's byte length (little-endian), the header, the data. */
    static byte[] safetensors(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return concat(le64(h.length), h, data);
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] floatsLE(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    static Path write(Path dir, String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    static byte[] resource(String path) throws IOException {
        try (InputStream in = IoTestSupport.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("missing test resource " + path);
            }
            return in.readAllBytes();
        }
    }

    /** The float value of IEEE half-precision bits. */
    static float halfToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h >> 15) == 1 ? -1 : 1;
        int e = (h >> 10) & 0x1F;
        int m = h & 0x3FF;
        if (e == 0) {
            return sign * m * (float) Math.pow(2, -24);
        }
        if (e == 31) {
            return m == 0 ? sign * Float.POSITIVE_INFINITY : Float.NaN;
        }
        return sign * (1 + m / 1024f) * (float) Math.pow(2, e - 15);
    }

    /**
     * Runs {@code body}, expects a {@link WeightsFormatException} (that exact class) whose message is one
     * line, names {@code file} and contains {@code fragment}; returns the message.
     */
    static String assertRefused(String file, String fragment, Executable body) {
        long t0 = System.nanoTime();
        WeightsFormatException e = assertThrows(WeightsFormatException.class, body);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(WeightsFormatException.class, e.getClass());
        String m = e.getMessage();
        assertFalse(m.contains("\n") || m.contains("\r"), () -> "message is not one line: " + m);
        assertTrue(m.contains(file), () -> "message does not name the file " + file + ": " + m);
        assertTrue(m.contains(fragment), () -> "message lacks '" + fragment + "': " + m);
        assertTrue(ms < 1000, () -> "refusal took " + ms + " ms: " + m);
        return m;
    }
}
