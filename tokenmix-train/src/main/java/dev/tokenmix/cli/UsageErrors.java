package dev.tokenmix.cli;

import dev.tokenmix.core.engine.ShapeMismatchException;
import dev.tokenmix.models.UnknownModelException;

/** Which exceptions mean "bad input" (exit status 2) rather than "failed while running" (exit status 1). */
final class UsageErrors {
    private UsageErrors() {
    }

    /**
     * True for unknown model names, shapes a model cannot take, and {@link IllegalArgumentException}s raised by
     * tokenmix's own validation (builders, options). An {@code IllegalArgumentException} raised inside ND4J or
     * another library is a failure, not a usage error.
     */
    static boolean isUsageError(Throwable t) {
        if (t instanceof UnknownModelException || t instanceof ShapeMismatchException) {
            return true;
        }
        if (t instanceof IllegalArgumentException) {
            // Where it was raised, skipping JDK frames (Objects.requireNonNull, Integer.parseInt ...).
            for (StackTraceElement e : t.getStackTrace()) {
                String c = e.getClassName();
                if (!c.startsWith("java.") && !c.startsWith("jdk.") && !c.startsWith("sun.")) {
                    return c.startsWith("dev.tokenmix.");
                }
            }
            return true;
        }
        return false;
    }

    /** The message of {@code t} on one line, or its class name when it has none. */
    static String oneLine(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            return t.getClass().getSimpleName();
        }
        return m.strip().replaceAll("\\s*\\R\\s*", "; ").replaceAll("[;,:]+$", "");
    }
}
