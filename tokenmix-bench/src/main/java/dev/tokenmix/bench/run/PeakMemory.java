package dev.tokenmix.bench.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's peak resident set size, which covers ND4J's off-heap arrays as well as the Java heap. On Linux it is
 * {@code VmHWM} from {@code /proc/self/status}, and {@link #reset()} restarts it from the current size (writing
 * {@code 5} to {@code /proc/self/clear_refs}), so each benchmark row gets its own peak. Elsewhere it falls back to
 * JavaCPP's physical-bytes counter at the time of reading (not a peak).
 *
 * <p>The peak cannot fall below the current resident size, and native memory that an earlier row freed often stays
 * resident (the C allocator keeps it), so in a run over several models a row's peak may include an earlier row's
 * memory: compare memory across models with one model per process.
 */
public final class PeakMemory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private PeakMemory() {
    }

    /** Restarts the peak from the current resident size; false where the OS does not allow it. */
    public static boolean reset() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /**
     * Frees what the garbage collector can find (ND4J's native buffers are released through Java references) and
     * then {@link #reset()}s the peak.
     */
    public static boolean releaseAndReset() {
        System.gc();
        org.bytedeco.javacpp.Pointer.deallocateReferences();
        return reset();
    }

    /** Peak resident memory in MiB since the start or the last {@link #reset()}. */
    public static double peakMb() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmHWM:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(f[0]) / 1024.0; // kB
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected format: fall through
        }
        return org.bytedeco.javacpp.Pointer.physicalBytes() / (1024.0 * 1024.0);
    }
}
