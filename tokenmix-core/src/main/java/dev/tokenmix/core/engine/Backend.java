package dev.tokenmix.core.engine;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Which ND4J backend and native binary this process actually runs, for {@code tokenmix info} and every
 * benchmark: the binary is read from the library JavaCPP loaded, not from the build's configuration.
 *
 * @param backend ND4J backend class, e.g. {@code CpuBackend}
 * @param nativeBinary the native classifier that was loaded, e.g. {@code linux-x86_64-onednn-avx2}
 * @param buildFlags libnd4j build features (ONEDNN, OPENBLAS, CUDNN ...)
 * @param blas BLAS vendor
 * @param ompThreads OpenMP threads of the native code
 * @param cores cores the JVM sees
 */
public record Backend(String backend, String nativeBinary, String buildFlags, String blas, int ompThreads, int cores) {

    private static final Pattern CLASSIFIER = Pattern.compile("nd4j-(?:native|cuda-[0-9.]+)-[^/]*?-((?:linux|windows|macosx)-[a-z0-9_-]+)\\.jar");

    /** Describes the running backend (initialising ND4J if needed). */
    public static Backend current() {
        Nd4j.getBackend();
        java.util.Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        String binary = "unknown";
        for (Map.Entry<String, String> e : Loader.getLoadedLibraries().entrySet()) {
            if (e.getKey().contains("nd4jcpu") || e.getKey().contains("nd4jcuda")) {
                Matcher m = CLASSIFIER.matcher(e.getValue() == null ? "" : e.getValue());
                binary = m.find() ? m.group(1) : e.getValue();
            }
        }
        String flags;
        try {
            flags = org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo().lines().filter(l -> l.startsWith("HAVE_"))
                    .map(l -> l.substring(5)).reduce((a, b) -> a + "," + b).orElse("");
        } catch (RuntimeException | LinkageError e) {
            flags = "unknown";
        }
        return new Backend(Nd4j.getBackend().getClass().getSimpleName(), binary, flags,
                String.valueOf(env.getOrDefault("blas.vendor", "unknown")),
                Integer.parseInt(String.valueOf(env.getOrDefault("omp.threads", "0"))),
                Runtime.getRuntime().availableProcessors());
    }

    /** One line: {@code CpuBackend linux-x86_64-onednn-avx2 [ONEDNN,OPENBLAS] OPENBLAS, 2 OMP threads, 2 cores}. */
    public String describe() {
        return backend + " " + nativeBinary + " [" + buildFlags + "] BLAS " + blas + ", " + ompThreads
                + " OMP threads, " + cores + " cores";
    }
}
