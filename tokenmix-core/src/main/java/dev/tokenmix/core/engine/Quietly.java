package dev.tokenmix.core.engine;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.function.Supplier;

/**
 * Runs SameDiff calls that print to standard output unconditionally ({@code createGradFunction} prints one
 * "Added differentiated op" line per op in 1.0.0-M2.1) with standard output muted.
 */
final class Quietly {
    private static final PrintStream SINK = new PrintStream(OutputStream.nullOutputStream());

    private Quietly() {
    }

    static synchronized <T> T call(Supplier<T> body) {
        PrintStream out = System.out;
        System.setOut(SINK);
        try {
            return body.get();
        } finally {
            System.setOut(out);
        }
    }
}
