package dev.tokenmix.bench.run;

import java.util.Locale;

/**
 * Recognises running out of memory, which ND4J reports in several ways: Java's {@link OutOfMemoryError} (heap, or
 * JavaCPP's off-heap limit {@code org.bytedeco.javacpp.maxbytes}) and native allocation failures wrapped in runtime
 * exceptions.
 */
final class OutOfMemory {
    private OutOfMemory() {
    }

    /** Whether {@code t}, or one of its causes, means that an allocation failed. */
    static boolean isOutOfMemory(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof OutOfMemoryError) {
                return true;
            }
            String m = c.getMessage() == null ? "" : c.getMessage().toLowerCase(Locale.ROOT);
            if (m.contains("out of memory") || m.contains("cannot allocate") || m.contains("failed to allocate")
                    || m.contains("bad_alloc") || m.contains("memory limit")) {
                return true;
            }
        }
        return false;
    }
}
