package dev.tokenmix.core.engine.exec;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Splits a range of array positions over the threads that ND4J's native code uses too ({@code OMP_NUM_THREADS},
 * else the available processors): the calling thread and a few daemon threads take chunks of it in turn. One
 * thread, or a range shorter than {@link #MIN_SPLIT}, runs everything inline.
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

    /** Chunks per thread: enough for the caller to take over the share of a helper that starts late. */
    private static final int CHUNKS_PER_THREAD = 4;

    /** Spin-wait iterations (each tens of nanoseconds, about a millisecond in all) before the caller yields. */
    private static final int SPINS_BEFORE_YIELDING = 20_000;

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
     * Runs {@code body} over {@code [0, n)} in chunks whose bounds are multiples of {@code unit} (rows, blocks), each
     * chunk on one thread, and returns when all are done.
     */
    void forRanges(int n, int unit, Range body) {
        int units = (n + unit - 1) / unit;
        split(n, unit, n < MIN_SPLIT ? 1 : Math.min(threads, units), body);
    }

    /**
     * Runs {@code body} over {@code [0, tasks)} as {@link #forRanges} does, for tasks each large enough to be worth
     * handing to another thread (a matrix product, not an array position).
     */
    void forTasks(int tasks, Range body) {
        split(tasks, 1, Math.min(threads, tasks), body);
    }

    /**
     * Runs {@code body} over {@code [0, n)} in about {@link #CHUNKS_PER_THREAD} chunks per thread, on unit bounds,
     * that the calling thread and {@code parts - 1} helpers take in turn until none is left. A helper that wakes
     * late finds fewer chunks, or none, instead of holding the caller up: waking a parked thread took a large part
     * of a LayerNorm's time with two threads (0.54 against 0.63 ms with one, 0.37 with the parts already running;
     * probe). The caller waits for the chunks, not for the helpers.
     */
    private void split(int n, int unit, int parts, Range body) {
        if (parts <= 1) {
            body.run(0, n);
            return;
        }
        int units = (n + unit - 1) / unit;
        int chunkUnits = Math.max(1, units / (parts * CHUNKS_PER_THREAD));
        int chunks = (units + chunkUnits - 1) / chunkUnits;
        long chunkSize = (long) chunkUnits * unit;
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable worker = () -> {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                try {
                    body.run((int) (c * chunkSize), (int) Math.min(n, (c + 1) * chunkSize));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.incrementAndGet();
                }
            }
        };
        for (int p = 1; p < parts; p++) {
            helpers.execute(worker);
        }
        worker.run();
        // what is left is at most one chunk per helper, already running: a short spin, no park and wake-up; then
        // yield, in case the helper waits for this very core (more threads than cores)
        for (int spins = 0; done.get() < chunks; spins++) {
            if (spins < SPINS_BEFORE_YIELDING) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException("a kernel failed", t);
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
