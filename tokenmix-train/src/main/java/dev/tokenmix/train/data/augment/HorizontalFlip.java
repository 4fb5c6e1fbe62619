package dev.tokenmix.train.data.augment;

/**
 * Mirrors an image left to right (timm's {@code RandomHorizontalFlip} when its coin says so), or top to bottom
 * ({@link #vertical}).
 */
public final class HorizontalFlip {
    private HorizontalFlip() {
    }

    /** A mirrored copy. */
    public static RgbImage apply(RgbImage img) {
        int w = img.width();
        int h = img.height();
        float[] s = img.data();
        float[] d = new float[s.length];
        for (int row = 0; row < 3 * h; row++) {
            int base = row * w;
            for (int x = 0; x < w; x++) {
                d[base + x] = s[base + w - 1 - x];
            }
        }
        return new RgbImage(w, h, d);
    }

    /** A copy flipped top to bottom (timm's {@code --vflip}). */
    public static RgbImage vertical(RgbImage img) {
        int w = img.width();
        int h = img.height();
        float[] s = img.data();
        float[] d = new float[s.length];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(s, (c * h + y) * w, d, (c * h + h - 1 - y) * w, w);
            }
        }
        return new RgbImage(w, h, d);
    }
}
