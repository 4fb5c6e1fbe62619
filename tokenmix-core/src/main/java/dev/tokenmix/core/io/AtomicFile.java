package dev.tokenmix.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Whole-file writes that a crash cannot leave half done: the content goes to a temporary file in the target's
 * folder, is forced to disk and renamed over the target, so a reader sees either the old file or the complete new
 * one. The safetensors writer uses the same mechanism; use this one for the small text files beside it (a model's
 * {@code config.json}, a run's {@code summary.csv} and {@code args.yaml}).
 */
public final class AtomicFile {
    private AtomicFile() {
    }

    /** Replaces {@code target}'s content with {@code bytes}. */
    public static void write(Path target, byte[] bytes) throws IOException {
        IoSupport.writeAtomically(target, ch -> {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        });
    }

    /** Replaces {@code target}'s content with {@code text} in UTF-8. */
    public static void writeString(Path target, String text) throws IOException {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }
}
