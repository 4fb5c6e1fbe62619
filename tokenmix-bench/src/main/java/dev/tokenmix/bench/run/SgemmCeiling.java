package dev.tokenmix.bench.run;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The machine's practical compute ceiling for float32: the GFLOP/s of ND4J's own single-precision matrix
 * product ({@code Nd4j.gemm}, OpenBLAS or oneDNN underneath) on square {@code n x n} operands, into a preallocated
 * result, measured in the running process so it sees the same threads and load as the model rows.
 *
 * @param n matrix size
 * @param bestGflops the fastest repetition; the ceiling that {@link BenchResult#sgemmFraction()} divides by
 * @param medianGflops the median repetition, to show how noisy the machine is
 */
public record SgemmCeiling(int n, double bestGflops, double medianGflops) {

    /** Runs one warm-up product and {@code reps} timed ones of size {@code n}. */
    public static SgemmCeiling measure(int n, int reps) {
        if (n <= 0 || reps <= 0) {
            throw new IllegalArgumentException("sgemm size and repetitions must be positive, got n=" + n + ", reps="
                    + reps);
        }
        Nd4j.getRandom().setSeed(7);
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.create(DataType.FLOAT, n, n);
        Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
        double[] gflops = new double[reps];
        double flops = 2.0 * n * n * (double) n;
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            gflops[i] = flops / (System.nanoTime() - t0);
        }
        Arrays.sort(gflops);
        return new SgemmCeiling(n, gflops[reps - 1], gflops[reps / 2]);
    }
}
