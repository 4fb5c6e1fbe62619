package dev.tokenmix.train.data;

/**
 * Separable image resampling with Pillow's filter semantics (the resize timm's eval transform uses): each output
 * pixel is a normalised weighted sum of the input pixels under a kernel stretched by the downscale factor, so
 * downscaling is antialiased. Planes are float {@code [H, W]} row-major.
 */
public final class Resampler {
    /** Resampling kernels. */
    public enum Filter {
        /** Pillow's BICUBIC: cubic convolution with a = -0.5, support 2. */
        BICUBIC(2.0),
        /** Pillow's BILINEAR: triangle, support 1. */
        BILINEAR(1.0);

        private final double support;

        Filter(double support) {
            this.support = support;
        }

        double weight(double x) {
            double ax = Math.abs(x);
            if (this == BILINEAR) {
                return ax < 1 ? 1 - ax : 0;
            }
            double a = -0.5;
            if (ax < 1) {
                return ((a + 2) * ax - (a + 3)) * ax * ax + 1;
            }
            if (ax < 2) {
                return ((ax - 5) * ax + 8) * ax * a - 4 * a;
            }
            return 0;
        }

        /** Parses "bicubic" / "bilinear" (timm's interpolation names). */
        public static Filter of(String name) {
            return switch (name.toLowerCase(java.util.Locale.ROOT)) {
                case "bicubic" -> BICUBIC;
                case "bilinear" -> BILINEAR;
                default -> throw new IllegalArgumentException("unknown interpolation '" + name + "'; use bicubic or bilinear");
            };
        }
    }

    private Resampler() {
    }

    /** Resizes a {@code [h, w]} plane to {@code [outH, outW]}. */
    public static float[] resize(float[] plane, int h, int w, int outH, int outW, Filter f) {
        float[] rows = resizeAxis(plane, h, w, outW, f, false); // [h, outW]
        return resizeAxis(rows, h, outW, outH, f, true); // [outH, outW]
    }

    /**
     * Resizes an 8-bit {@code [h, w]} plane (values 0..255) exactly as Pillow resizes an 8-bit image: the
     * horizontal pass first, its result rounded to 8 bits, then the vertical pass, with Pillow's 22-bit fixed-point
     * weights and rounding. Use it when the result is stored as 8-bit pixels anyway (timm's transforms on PIL
     * images).
     */
    public static float[] resize8(float[] plane, int h, int w, int outH, int outW, Filter f) {
        int[] in = new int[plane.length];
        for (int i = 0; i < in.length; i++) {
            in[i] = (int) Math.max(0, Math.min(255, Math.rint(plane[i])));
        }
        int[] rows = w == outW ? in : resizeAxis8(in, h, w, outW, f, false); // [h, outW]
        int[] out = h == outH ? rows : resizeAxis8(rows, h, outW, outH, f, true); // [outH, outW]
        float[] res = new float[out.length];
        for (int i = 0; i < out.length; i++) {
            res[i] = out[i];
        }
        return res;
    }

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private static int[] resizeAxis8(int[] in, int h, int w, int out, Filter f, boolean vertical) {
        int n = vertical ? h : w;
        int other = vertical ? w : h;
        double scale = (double) n / out;
        double fscale = Math.max(scale, 1.0);
        double support = f.support * fscale;
        int[] res = new int[vertical ? out * w : h * out];
        for (int o = 0; o < out; o++) {
            double center = (o + 0.5) * scale;
            // Pillow's precompute_coeffs: window bounds rounded, weights normalised, then quantised.
            int lo = Math.max(0, (int) (center - support + 0.5));
            int hi = Math.min(n, (int) (center + support + 0.5));
            double[] wts = new double[Math.max(0, hi - lo)];
            double sum = 0;
            for (int i = lo; i < hi; i++) {
                wts[i - lo] = f.weight((i - center + 0.5) / fscale);
                sum += wts[i - lo];
            }
            int[] k = new int[wts.length];
            for (int i = 0; i < wts.length; i++) {
                double v = sum != 0 ? wts[i] / sum : wts[i];
                k[i] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
            }
            for (int q = 0; q < other; q++) {
                long acc = 1L << (PRECISION_BITS - 1);
                for (int i = lo; i < hi; i++) {
                    acc += (long) k[i - lo] * (vertical ? in[i * w + q] : in[q * w + i]);
                }
                int v = (int) Math.max(0, Math.min(255, acc >> PRECISION_BITS));
                if (vertical) {
                    res[o * w + q] = v;
                } else {
                    res[q * out + o] = v;
                }
            }
        }
        return res;
    }

    private static float[] resizeAxis(float[] in, int h, int w, int out, Filter f, boolean vertical) {
        int n = vertical ? h : w;
        if (n == out) {
            // At scale 1 every kernel puts weight 1 on its own pixel and 0 on the others: an exact copy.
            return in.clone();
        }
        int other = vertical ? w : h;
        double scale = (double) n / out;
        double fscale = Math.max(scale, 1.0);
        double support = f.support * fscale;
        float[] res = new float[vertical ? out * w : h * out];
        for (int o = 0; o < out; o++) {
            double center = (o + 0.5) * scale;
            int lo = Math.max(0, (int) Math.floor(center - support));
            int hi = Math.min(n, (int) Math.ceil(center + support));
            double[] wts = new double[hi - lo];
            double sum = 0;
            for (int i = lo; i < hi; i++) {
                wts[i - lo] = f.weight((i - center + 0.5) / fscale);
                sum += wts[i - lo];
            }
            for (int k = 0; k < other; k++) {
                double v = 0;
                for (int i = lo; i < hi; i++) {
                    v += wts[i - lo] * (vertical ? in[i * w + k] : in[k * w + i]);
                }
                v = sum == 0 ? 0 : v / sum;
                if (vertical) {
                    res[o * w + k] = (float) v;
                } else {
                    res[k * out + o] = (float) v;
                }
            }
        }
        return res;
    }
}
