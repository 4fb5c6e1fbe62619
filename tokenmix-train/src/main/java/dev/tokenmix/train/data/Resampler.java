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
