package dev.tokenmix.train.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;

/**
 * Converts decoded images to 8-bit sRGB the way Pillow's {@code convert("RGB")} does. Java2D treats grey images
 * (grey PNGs and JPEGs decode to {@code TYPE_BYTE_GRAY}) as linear light and brightens them on {@code getRGB}
 * (grey 200 reads as 229); Pillow copies the grey value into R, G and B. Grey images are therefore converted from
 * their raw samples here; all other images go through {@code getRGB}.
 */
public final class Pixels8 {
    private Pixels8() {
    }

    /** {@code img} itself when it is already {@code TYPE_INT_RGB}, else a {@code TYPE_INT_RGB} copy. */
    public static BufferedImage toRgb(BufferedImage img) {
        if (img.getType() == BufferedImage.TYPE_INT_RGB) {
            return img;
        }
        int w = img.getWidth();
        int h = img.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, w, h, packedRgb(img), 0, w);
        return out;
    }

    /** The pixels as packed {@code 0xRRGGBB} ints, row-major, grey images by their raw samples. */
    public static int[] packedRgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        if (img.getColorModel().getColorSpace().getType() != ColorSpace.TYPE_GRAY) {
            return img.getRGB(0, 0, w, h, null, 0, w);
        }
        Raster r = img.getRaster();
        int bits = img.getColorModel().getComponentSize(0);
        int[] grey = r.getSamples(0, 0, w, h, 0, (int[]) null);
        int[] rgb = new int[w * h];
        for (int i = 0; i < rgb.length; i++) {
            // Fewer or more than 8 bits (1-bit masks, 16-bit scans) are rescaled to 0..255.
            int v = bits == 8 ? grey[i] : (int) Math.round(grey[i] * 255.0 / ((1 << bits) - 1));
            rgb[i] = (v << 16) | (v << 8) | v;
        }
        return rgb;
    }
}
