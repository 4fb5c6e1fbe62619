package dev.tokenmix.train.data.augment;

import dev.tokenmix.train.data.Resampler;
import java.util.random.RandomGenerator;

/**
 * torchvision's and timm's {@code RandomResizedCrop}: a crop of random area (a fraction in {@code scale} of the
 * image) and aspect ratio (log-uniform in {@code ratio}) resized to {@code size × size}
 * (<a href="https://arxiv.org/abs/1409.4842">Szegedy et al., 2014</a>). Ten tries find a crop that fits; after
 * that the whole image, centre-cropped to the nearest allowed aspect ratio, is used.
 */
public final class RandomResizedCrop {
    private final int size;
    private final double[] scale;
    private final double[] ratio;
    private final String interpolation;

    /**
     * @param size output side in pixels
     * @param scale the crop area as a fraction of the image, min and max (timm: 0.08, 1)
     * @param ratio aspect ratio (width / height) min and max (timm: 3/4, 4/3)
     * @param interpolation {@code bilinear}, {@code bicubic} or {@code random} (either, per image, like timm)
     */
    public RandomResizedCrop(int size, double[] scale, double[] ratio, String interpolation) {
        if (size < 1) {
            throw new IllegalArgumentException("crop size must be positive, got " + size);
        }
        if (scale.length != 2 || !(scale[0] > 0 && scale[0] <= scale[1] && scale[1] <= 1)) {
            throw new IllegalArgumentException("crop scale must be 0 < min <= max <= 1, got "
                    + java.util.Arrays.toString(scale));
        }
        if (ratio.length != 2 || !(ratio[0] > 0 && ratio[0] <= ratio[1])) {
            throw new IllegalArgumentException("crop ratio must be 0 < min <= max, got " + java.util.Arrays.toString(ratio));
        }
        if (!interpolation.equals("random")) {
            Resampler.Filter.of(interpolation);
        }
        this.size = size;
        this.scale = scale.clone();
        this.ratio = ratio.clone();
        this.interpolation = interpolation;
    }

    /** timm's defaults: scale (0.08, 1), ratio (3/4, 4/3), random interpolation. */
    public static RandomResizedCrop timm(int size) {
        return new RandomResizedCrop(size, new double[] {0.08, 1.0}, new double[] {3.0 / 4, 4.0 / 3}, "random");
    }

    /** A crop window: top row, left column, height, width. */
    public record Window(int top, int left, int height, int width) {
    }

    /** torchvision's {@code get_params}: the window for an {@code h × w} image. */
    public Window window(int h, int w, RandomGenerator rng) {
        double area = (double) h * w;
        double logLo = Math.log(ratio[0]);
        double logHi = Math.log(ratio[1]);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * uniform(rng, scale[0], scale[1]);
            double aspect = Math.exp(uniform(rng, logLo, logHi));
            int cw = (int) Math.rint(Math.sqrt(target * aspect));
            int ch = (int) Math.rint(Math.sqrt(target / aspect));
            if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
                int top = rng.nextInt(h - ch + 1);
                int left = rng.nextInt(w - cw + 1);
                return new Window(top, left, ch, cw);
            }
        }
        double inRatio = (double) w / h;
        int cw;
        int ch;
        if (inRatio < ratio[0]) {
            cw = w;
            ch = (int) Math.rint(cw / ratio[0]);
        } else if (inRatio > ratio[1]) {
            ch = h;
            cw = (int) Math.rint(ch * ratio[1]);
        } else {
            cw = w;
            ch = h;
        }
        return new Window((h - ch) / 2, (w - cw) / 2, ch, cw);
    }

    /** Crops a random window and resizes it to {@code size × size}. */
    public RgbImage apply(RgbImage img, RandomGenerator rng) {
        Window win = window(img.height(), img.width(), rng);
        Resampler.Filter filter = interpolation.equals("random")
                ? (rng.nextBoolean() ? Resampler.Filter.BILINEAR : Resampler.Filter.BICUBIC)
                : Resampler.Filter.of(interpolation);
        return cropResize(img, win, size, filter);
    }

    /** Crops {@code win} and resizes it to {@code out × out} as Pillow resizes an 8-bit image. */
    static RgbImage cropResize(RgbImage img, Window win, int out, Resampler.Filter filter) {
        int w = img.width();
        int h = img.height();
        float[] src = img.data();
        float[] dst = new float[3 * out * out];
        float[] crop = new float[win.height() * win.width()];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < win.height(); y++) {
                System.arraycopy(src, (c * h + y + win.top()) * w + win.left(), crop, y * win.width(), win.width());
            }
            float[] r = win.height() == out && win.width() == out ? crop
                    : Resampler.resize8(crop, win.height(), win.width(), out, out, filter);
            System.arraycopy(r, 0, dst, c * out * out, out * out);
        }
        return new RgbImage(out, out, dst).quantize();
    }

    static double uniform(RandomGenerator rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }
}
