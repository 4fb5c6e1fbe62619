package dev.tokenmix.train.loop;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar redrawn with a carriage return, shown only when a terminal is attached
 * ({@link System#console()}), so logs and pipes stay clean.
 */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final boolean enabled;
    private long lastDraw;

    ProgressBar(PrintStream out) {
        this.out = out;
        this.enabled = System.console() != null;
    }

    void update(int epoch, long done, long total, double loss) {
        long now = System.nanoTime();
        if (!enabled || (now - lastDraw < 200_000_000L && done < total)) {
            return;
        }
        lastDraw = now;
        int filled = (int) (WIDTH * done / Math.max(1, total));
        out.print(String.format(Locale.ROOT, "\repoch %d [%s%s] %d/%d loss %.4f", epoch, "=".repeat(filled),
                " ".repeat(WIDTH - filled), done, total, loss));
        out.flush();
    }

    void finish() {
        if (enabled) {
            out.print("\r" + " ".repeat(WIDTH + 50) + "\r");
            out.flush();
        }
    }
}
