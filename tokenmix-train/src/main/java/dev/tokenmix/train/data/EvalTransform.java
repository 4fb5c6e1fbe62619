package dev.tokenmix.train.data;

import dev.tokenmix.models.InputConfig;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * timm's eval transform for a variant: resize the shorter side to {@code size / cropPct} with the variant's
 * interpolation, centre-crop {@code size x size}, scale to [0, 1], normalise with the variant's mean and std.
 * Produces NCHW float arrays ready for {@code Model.forward}.
 */
public final class EvalTransform {
    private final InputConfig cfg;
    private final int size;

    /** The transform of {@code cfg} at {@code size} pixels (usually {@code cfg.size()}). */
    public EvalTransform(InputConfig cfg, int size) {
        this.cfg = cfg;
        this.size = size;
    }

    /** Reads an image file; unreadable or unsupported files give an IllegalArgumentException naming the file. */
    public static BufferedImage read(Path file) {
        BufferedImage img;
        try {
            img = Files.isRegularFile(file) ? ImageIO.read(file.toFile()) : null;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read image " + file + ": " + e.getMessage(), e);
        }
        if (img == null) {
            throw new IllegalArgumentException(file + " is not a readable image (JPEG, PNG, BMP or GIF)");
        }
        return img;
    }

    /** {@code [1, 3, size, size]}. */
    public INDArray apply(BufferedImage img) {
        // [3 * S * S] -> [1, 3, S, S]
        return Nd4j.createFromArray(toChw(img)).reshape(1, 3, size, size).castTo(DataType.FLOAT);
    }

    /** The output size in pixels (square). */
    public int size() {
        return size;
    }

    /** The transformed image as a {@code [3, size, size]} row-major float array (what a loader batches). */
    public float[] toChw(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        double scaleSize = Math.floor(size / cfg.cropPct());
        int outH;
        int outW;
        if (h <= w) {
            outH = (int) scaleSize;
            outW = (int) (scaleSize * w / h);
        } else {
            outW = (int) scaleSize;
            outH = (int) (scaleSize * h / w);
        }
        // torchvision's CenterCrop rounds half to even (Python's round), hence rint.
        int top = (int) Math.rint((outH - size) / 2.0);
        int left = (int) Math.rint((outW - size) / 2.0);
        Resampler.Filter filter = Resampler.Filter.of(cfg.interpolation());
        double[] mean = cfg.mean();
        double[] std = cfg.std();
        float[] out = new float[3 * size * size];
        int[] rgb = Pixels8.packedRgb(img);
        for (int c = 0; c < 3; c++) {
            float[] plane = new float[h * w];
            int shift = 16 - 8 * c;
            for (int i = 0; i < plane.length; i++) {
                plane[i] = (rgb[i] >> shift) & 0xFF;
            }
            float[] resized = Resampler.resize8(plane, h, w, outH, outW, filter);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    // resize8 gives Pillow's 8-bit pixels; timm's ToTensor then divides by 255.
                    double v = Math.min(255, Math.max(0, Math.round(resized[(y + top) * outW + x + left]))) / 255.0;
                    out[(c * size + y) * size + x] = (float) ((v - mean[c]) / std[c]);
                }
            }
        }
        return out;
    }

    /** Convenience: read and transform one file. */
    public INDArray apply(Path file) {
        return apply(read(file));
    }
}
