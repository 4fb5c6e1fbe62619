package dev.tokenmix.train.checkpoint;

import dev.tokenmix.core.io.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Small text files of a run folder ({@code summary.csv}, {@code args.yaml}) written so that a crash at any moment
 * leaves either the old or the new content ({@link AtomicFile}), with I/O errors unchecked for the training loop.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Replaces {@code target}'s content with {@code text} (UTF-8) atomically, creating its folder if needed. */
    public static void writeString(Path target, String text) {
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            AtomicFile.writeString(target, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }
}
