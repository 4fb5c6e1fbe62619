package dev.tokenmix.train.data.augment;

/**
 * Pillow's colour operations on {@link RgbImage}s: the {@code ImageEnhance} blends (brightness, contrast, colour,
 * sharpness), the {@code ImageOps} point operations and the {@code L} conversion they rely on. Shared by
 * {@link ColorJitter} and {@link RandAugment}. Every result is rounded to 8 bits like Pillow's.
 */
final class Pixels {
    private Pixels() {
    }

    /**
     * {@code degenerate + factor * (img - degenerate)}: Pillow's {@code Image.blend(degenerate, img, factor)}, which
     * truncates to 8 bits rather than rounding.
     */
    static RgbImage blend(RgbImage degenerate, RgbImage img, double factor) {
        float[] a = degenerate.data();
        float[] b = img.data();
        float[] d = new float[b.length];
        // Pillow blends in single precision (alpha is a C float): 100 * 1.3f is 129.99999, stored as 129.
        float alpha = (float) factor;
        for (int i = 0; i < d.length; i++) {
            float v = a[i] + alpha * (b[i] - a[i]);
            d[i] = v <= 0 ? 0 : v >= 255 ? 255 : (int) v;
        }
        return new RgbImage(img.width(), img.height(), d);
    }

    /** Pillow's {@code convert("L")}: {@code (299 R + 587 G + 114 B) / 1000}, rounded. */
    static float[] luma(RgbImage img) {
        int plane = img.width() * img.height();
        float[] s = img.data();
        float[] l = new float[plane];
        for (int i = 0; i < plane; i++) {
            // Pillow's integer formula: L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16.
            int r = (int) s[i];
            int g = (int) s[plane + i];
            int b = (int) s[2 * plane + i];
            l[i] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
        }
        return l;
    }

    /** {@code ImageEnhance.Brightness}: blend with black. */
    static RgbImage brightness(RgbImage img, double factor) {
        return blend(new RgbImage(img.width(), img.height(), new float[img.data().length]), img, factor);
    }

    /** {@code ImageEnhance.Color}: blend with the grey version. */
    static RgbImage color(RgbImage img, double factor) {
        float[] l = luma(img);
        int plane = l.length;
        float[] g = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            System.arraycopy(l, 0, g, c * plane, plane);
        }
        return blend(new RgbImage(img.width(), img.height(), g), img, factor);
    }

    /** {@code ImageEnhance.Contrast}: blend with a flat image of the rounded mean grey level. */
    static RgbImage contrast(RgbImage img, double factor) {
        float[] l = luma(img);
        double sum = 0;
        for (float v : l) {
            sum += v;
        }
        float mean = (float) Math.floor(sum / l.length + 0.5);
        float[] g = new float[img.data().length];
        java.util.Arrays.fill(g, mean);
        return blend(new RgbImage(img.width(), img.height(), g), img, factor);
    }

    /**
     * {@code ImageEnhance.Sharpness}: blend with Pillow's SMOOTH filter ({@code [[1,1,1],[1,5,1],[1,1,1]] / 13}),
     * whose border pixels are left as they are.
     */
    static RgbImage sharpness(RgbImage img, double factor) {
        int w = img.width();
        int h = img.height();
        float[] s = img.data();
        float[] d = s.clone();
        for (int c = 0; c < 3; c++) {
            int base = c * w * h;
            for (int y = 1; y < h - 1; y++) {
                for (int x = 1; x < w - 1; x++) {
                    double sum = 0;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            sum += s[base + (y + dy) * w + x + dx] * (dx == 0 && dy == 0 ? 5 : 1);
                        }
                    }
                    d[base + y * w + x] = RgbImage.clamp8(sum / 13);
                }
            }
        }
        return blend(new RgbImage(w, h, d), img, factor);
    }

    /** Applies a 256-entry lookup table per channel ({@code luts[c][v]}). */
    static RgbImage lookup(RgbImage img, int[][] luts) {
        int plane = img.width() * img.height();
        float[] s = img.data();
        float[] d = new float[s.length];
        for (int c = 0; c < 3; c++) {
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                d[i] = luts[c][RgbImage.clamp8(s[i])];
            }
        }
        return new RgbImage(img.width(), img.height(), d);
    }

    /** One table for all channels. */
    static RgbImage lookup(RgbImage img, int[] lut) {
        return lookup(img, new int[][] {lut, lut, lut});
    }

    /** Per-channel 256-bin histograms. */
    static int[][] histograms(RgbImage img) {
        int plane = img.width() * img.height();
        float[] s = img.data();
        int[][] h = new int[3][256];
        for (int c = 0; c < 3; c++) {
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                h[c][RgbImage.clamp8(s[i])]++;
            }
        }
        return h;
    }

    /**
     * Pillow's {@code Image.transform(AFFINE)} with bilinear sampling (truncated to 8 bits, as Pillow does):
     * output pixel centre (x, y) reads the input
     * at {@code (a x + b y + c, d x + e y + f)}; points outside the image take {@code fill}.
     */
    static RgbImage affine(RgbImage img, double a, double b, double c, double d, double e, double f, int[] fill) {
        int w = img.width();
        int h = img.height();
        float[] s = img.data();
        float[] out = new float[s.length];
        int plane = w * h;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double u = a * (x + 0.5) + b * (y + 0.5) + c;
                double v = d * (x + 0.5) + e * (y + 0.5) + f;
                int o = y * w + x;
                if (u < 0 || v < 0 || u >= w || v >= h) {
                    for (int ch = 0; ch < 3; ch++) {
                        out[ch * plane + o] = fill[ch];
                    }
                    continue;
                }
                double fx = u - 0.5;
                double fy = v - 0.5;
                int x0 = (int) Math.floor(fx);
                int y0 = (int) Math.floor(fy);
                double tx = fx - x0;
                double ty = fy - y0;
                int xa = Math.max(0, x0);
                int xb = Math.min(w - 1, x0 + 1);
                int ya = Math.max(0, y0);
                int yb = Math.min(h - 1, y0 + 1);
                for (int ch = 0; ch < 3; ch++) {
                    int base = ch * plane;
                    double top = s[base + ya * w + xa] * (1 - tx) + s[base + ya * w + xb] * tx;
                    double bot = s[base + yb * w + xa] * (1 - tx) + s[base + yb * w + xb] * tx;
                    // Pillow's bilinear filter truncates to 8 bits.
                    double val = top * (1 - ty) + bot * ty;
                    out[ch * plane + o] = val <= 0 ? 0 : val >= 255 ? 255 : (int) val;
                }
            }
        }
        return new RgbImage(w, h, out);
    }
}
