package dev.tokenmix.core.io.torch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builds checkpoint files the way torch.save lays them out, from hand-written pickles and storages. */
final class TorchFiles {
    private TorchFiles() {
    }

    /** The committed fixture {@code name} (src/test/resources/io/torch/). */
    static Path fixture(String name) {
        try {
            return Path.of(TorchFiles.class.getResource("/io/torch/" + name).toURI());
        } catch (Exception e) {
            throw new IllegalStateException("missing fixture " + name, e);
        }
    }

    static byte[] bytes(String fixture) {
        try (InputStream in = TorchFiles.class.getResourceAsStream("/io/torch/" + fixture)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A zip checkpoint: {@code archive/data.pkl}, {@code archive/data/<key>} for each storage, stored. */
    static byte[] zip(byte[] dataPkl, Map<String, byte[]> storages) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", dataPkl);
        storages.forEach((k, v) -> entries.put("archive/data/" + k, v));
        entries.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return zipOf(entries);
    }

    /** A zip archive of the given entries, all stored uncompressed. */
    static byte[] zipOf(Map<String, byte[]> entries) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bos)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                ze.setMethod(ZipEntry.STORED);
                ze.setSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                ze.setCrc(crc.getValue());
                z.putNextEntry(ze);
                z.write(e.getValue());
                z.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    /**
     * A legacy (torch < 1.6) checkpoint: magic number, protocol, sys_info, the object pickle, the key list, then each
     * storage as its element count and its bytes.
     */
    static byte[] legacy(byte[] objectPickle, List<String> keys, List<Long> counts, List<byte[]> storages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // 0x1950a86a20f9469cfc6c as LONG1, little-endian two's complement
        out.writeBytes(new PickleWriter().proto(2).raw(0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50,
                0x19).stop().toBytes());
        out.writeBytes(new PickleWriter().proto(2).integer(1001).stop().toBytes());
        out.writeBytes(new PickleWriter().proto(2).emptyDict().str("little_endian").bool(true).setitem().stop()
                .toBytes());
        out.writeBytes(objectPickle);
        PickleWriter k = new PickleWriter().proto(2).emptyList();
        for (String key : keys) {
            k.str(key).append();
        }
        out.writeBytes(k.stop().toBytes());
        for (int i = 0; i < storages.size(); i++) {
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(counts.get(i)).array());
            out.writeBytes(storages.get(i));
        }
        return out.toByteArray();
    }

    /** Little-endian float32 bytes of {@code v}. */
    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    static Path write(Path dir, String name, byte[] content) {
        try {
            return Files.write(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
