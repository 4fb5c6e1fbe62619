package dev.tokenmix.core.engine.exec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Splits a range of array positions over the threads that ND4J's native code uses too ({@code OMP_NUM_THREADS},
 * else the available processors), running one part on the calling thread and the others on a few daemon threads.
 * One thread, or a range shorter than {@link #MIN_SPLIT}, runs everything inline.
 */
final class ParallelRanges {
    /** The body of one part: positions {@code [from, end)}. */
    @FunctionalInterface
    interface Range {
        void run(int from, int end);
    }

    /**
     * Fewer positions than this run on the calling thread: handing work to another thread costs tens of
     * microseconds, as much as a pass over half a megabyte.
     */
    static final int MIN_SPLIT = 1 << 17;

    private static final ParallelRanges SHARED = new ParallelRanges(threads());

    private final int threads;
    private final ExecutorService helpers;

    /** Parts over {@code threads} threads; tests use it with a fixed count. */
    ParallelRanges(int threads) {
        this.threads = threads;
        this.helpers = threads <= 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "tokenmix-kernels");
            t.setDaemon(true);
            return t;
        });
    }

    /** The instance every kernel shares. */
    static ParallelRanges shared() {
        return SHARED;
    }

    /**
     * Runs {@code body} over {@code [0, n)} in parts whose bounds are multiples of {@code unit} (rows, blocks), at
     * most one part per thread, and returns when all are done.
     */
    void forRanges(int n, int unit, Range body) {
        int units = (n + unit - 1) / unit;
        split(n, unit, n < MIN_SPLIT ? 1 : Math.min(threads, units), body);
    }

    /**
     * Runs {@code body} over {@code [0, tasks)}, at most one part per thread, for tasks each large enough to be worth
     * handing to another thread (a matrix product, not an array position).
     */
    void forTasks(int tasks, Range body) {
        split(tasks, 1, Math.min(threads, tasks), body);
    }

    private void split(int n, int unit, int parts, Range body) {
        int units = (n + unit - 1) / unit;
        if (parts <= 1) {
            body.run(0, n);
            return;
        }
        List<Future<?>> others = new ArrayList<>();
        int per = (units + parts - 1) / parts;
        for (int p = 1; p < parts; p++) {
            int from = Math.min(n, p * per * unit);
            int end = Math.min(n, (p + 1) * per * unit);
            if (from < end) {
                others.add(helpers.submit(() -> body.run(from, end)));
            }
        }
        body.run(0, Math.min(n, per * unit));
        for (Future<?> f : others) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while a kernel ran", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("a kernel failed", e.getCause());
            }
        }
    }

    private static int threads() {
        String omp = System.getenv("OMP_NUM_THREADS");
        try {
            if (omp != null && !omp.isBlank()) {
                return Math.max(1, Integer.parseInt(omp.trim()));
            }
        } catch (NumberFormatException e) {
            // not a number: ND4J ignores it too
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }
}
