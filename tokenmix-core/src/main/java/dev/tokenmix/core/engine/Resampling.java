package dev.tokenmix.core.engine;

/** The constant matrices behind adaptive average pooling and bilinear resizing, with PyTorch's index rules. */
final class Resampling {
    private Resampling() {
    }

    /** {@code [out, in]}: row i averages {@code in[floor(i*in/out) .. ceil((i+1)*in/out))}. */
    static double[][] adaptiveAverage(long in, int out) {
        double[][] m = new double[out][(int) in];
        for (int i = 0; i < out; i++) {
            long start = Math.floorDiv(i * in, out);
            long end = -Math.floorDiv(-(i + 1) * in, out); // ceil
            for (long j = start; j < end; j++) {
                m[i][(int) j] = 1.0 / (end - start);
            }
        }
        return m;
    }

    /**
     * {@code [out, in]} for bilinear interpolation with {@code align_corners=False}: source coordinate
     * {@code (i + 0.5) * in/out - 0.5}, clamped at 0, split between its two neighbours.
     */
    static double[][] bilinear(long in, int out) {
        double[][] m = new double[out][(int) in];
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            double src = Math.max(0.0, (i + 0.5) * scale - 0.5);
            int i0 = (int) src;
            int i1 = i0 < in - 1 ? i0 + 1 : i0;
            double lambda = src - i0;
            m[i][i0] += 1 - lambda;
            m[i][i1] += lambda;
        }
        return m;
    }
}
