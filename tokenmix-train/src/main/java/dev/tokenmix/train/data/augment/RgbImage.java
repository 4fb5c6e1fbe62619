package dev.tokenmix.train.data.augment;

import java.awt.image.BufferedImage;

/**
 * An RGB image as three float planes ({@code [3, height, width]} row-major) holding 8-bit values 0..255: the
 * working form of the augmentations, which mirror Pillow operations on 8-bit images. Operations that change
 * values round and clamp to 0..255 the way Pillow stores its result.
 */
public final class RgbImage {
    private final int width;
    private final int height;
    private final float[] data;

    /** Wraps {@code data} ({@code [3, height, width]}, values 0..255) without copying. */
    public RgbImage(int width, int height, float[] data) {
        if (width < 1 || height < 1 || data.length != 3 * width * height) {
            throw new IllegalArgumentException("an RGB image of " + width + " x " + height + " needs "
                    + 3 * width * height + " values, got " + data.length);
        }
        this.width = width;
        this.height = height;
        this.data = data;
    }

    /** The RGB pixels of any {@link BufferedImage} (grey images by their raw values, as Pillow converts them). */
    public static RgbImage of(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] rgb = dev.tokenmix.train.data.Pixels8.packedRgb(img);
        float[] d = new float[3 * w * h];
        int plane = w * h;
        for (int i = 0; i < plane; i++) {
            int p = rgb[i];
            d[i] = (p >> 16) & 0xFF;
            d[plane + i] = (p >> 8) & 0xFF;
            d[2 * plane + i] = p & 0xFF;
        }
        return new RgbImage(w, h, d);
    }

    /** A {@code TYPE_INT_RGB} image of the (rounded, clamped) pixels. */
    public BufferedImage toBufferedImage() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int plane = width * height;
        int[] rgb = new int[plane];
        for (int i = 0; i < plane; i++) {
            rgb[i] = (clamp8(data[i]) << 16) | (clamp8(data[plane + i]) << 8) | clamp8(data[2 * plane + i]);
        }
        img.setRGB(0, 0, width, height, rgb, 0, width);
        return img;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The planes ({@code [3, height, width]}); modifying it modifies this image. */
    public float[] data() {
        return data;
    }

    /** Channel {@code c} at ({@code x}, {@code y}). */
    public float get(int c, int y, int x) {
        return data[(c * height + y) * width + x];
    }

    /** A copy. */
    public RgbImage copy() {
        return new RgbImage(width, height, data.clone());
    }

    /**
     * Scales to [0, 1] and normalises with {@code mean} and {@code std} (timm's ToTensor then Normalize):
     * a new {@code [3, height, width]} array.
     */
    public float[] normalized(double[] mean, double[] std) {
        float[] out = new float[data.length];
        int plane = width * height;
        for (int c = 0; c < 3; c++) {
            double m = mean[c];
            double s = std[c];
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                out[i] = (float) ((data[i] / 255.0 - m) / s);
            }
        }
        return out;
    }

    /** Rounds half up and clamps to 0..255, as Pillow stores a float result in an 8-bit image. */
    static int clamp8(double v) {
        return v <= 0 ? 0 : v >= 255 ? 255 : (int) Math.floor(v + 0.5);
    }

    /** Rounds and clamps every value in place. */
    RgbImage quantize() {
        for (int i = 0; i < data.length; i++) {
            data[i] = clamp8(data[i]);
        }
        return this;
    }
}
