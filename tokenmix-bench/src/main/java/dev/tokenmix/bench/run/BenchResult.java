package dev.tokenmix.bench.run;

import java.util.Locale;

/**
 * One row of {@code tokenmix bench}: the throughput, step time, size and memory of one model in one mode at one
 * resolution and batch size.
 *
 * <p>{@code gflopsPerSec} counts {@code 2 · MACs} per sample for inference and three times that for a training
 * step (the backward pass costs about twice the forward pass), so inference and training rows compare with the
 * same ceiling. {@code sgemmFraction} is {@code gflopsPerSec} over the machine's sgemm GFLOP/s measured in the same
 * run ({@link SgemmCeiling}), NaN when none was measured.
 *
 * @param stepTimeMs median wall time of one timed step (a forward pass, or forward + backward + optimizer)
 * @param peakRssMb the process's peak resident memory while this row ran (see {@link PeakMemory})
 * @param retriedFrom the batch size that was asked for when an out-of-memory error made the batch smaller, else 0
 */
public record BenchResult(String model, BenchMode mode, int imgSize, int batchSize, double stepTimeMs,
                          long paramCount, double gmacs, double peakRssMb, String backend, int threads,
                          double sgemmGflops, int retriedFrom) {

    /** The CSV header, the columns of {@link #csvRow()}. */
    public static final String CSV_HEADER = "model,mode,img_size,batch_size,samples_per_sec,step_time_ms,param_count,"
            + "gmacs,gflops_per_sec,peak_rss_mb,backend,threads,sgemm_fraction";

    public double samplesPerSec() {
        return batchSize * 1000.0 / stepTimeMs;
    }

    /** Model GFLOP/s: {@code 2 · MACs · samples/s}, times 3 for a training step. */
    public double gflopsPerSec() {
        return 2 * gmacs * samplesPerSec() * (mode == BenchMode.TRAIN ? 3 : 1);
    }

    public double sgemmFraction() {
        return sgemmGflops > 0 ? gflopsPerSec() / sgemmGflops : Double.NaN;
    }

    /**
     * Reads a row written by {@link #csvRow()} back (for re-plotting a sweep run in several processes); the sgemm
     * ceiling is recovered from the fraction column.
     */
    public static BenchResult parse(String row) {
        String[] f = row.split(",", -1);
        if (f.length != 13) {
            throw new IllegalArgumentException("expected a bench CSV row of 13 columns (" + CSV_HEADER + "), got: "
                    + row);
        }
        try {
            BenchMode mode = f[1].equals("train") ? BenchMode.TRAIN : BenchMode.INFER;
            int batch = Integer.parseInt(f[3]);
            double ms = Double.parseDouble(f[5]);
            double gmacs = Double.parseDouble(f[7]);
            double gflops = Double.parseDouble(f[8]);
            double fraction = f[12].isEmpty() ? 0 : Double.parseDouble(f[12]);
            return new BenchResult(f[0], mode, Integer.parseInt(f[2]), batch, ms, Long.parseLong(f[6]), gmacs,
                    Double.parseDouble(f[9]), f[10], Integer.parseInt(f[11]), fraction > 0 ? gflops / fraction : 0, 0);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a bench CSV row (" + e.getMessage() + "): " + row);
        }
    }

    /** The row in {@link #CSV_HEADER}'s column order. */
    public String csvRow() {
        return String.format(Locale.ROOT, "%s,%s,%d,%d,%.3f,%.1f,%d,%.6f,%.2f,%.0f,%s,%d,%s", model, mode.label(),
                imgSize, batchSize, samplesPerSec(), stepTimeMs, paramCount, gmacs, gflopsPerSec(), peakRssMb,
                backend, threads, Double.isNaN(sgemmFraction()) ? "" : String.format(Locale.ROOT, "%.3f",
                        sgemmFraction()));
    }
}
