package dev.tokenmix.models;

/**
 * How a variant expects its input (timm's pretrained config): resolution, normalisation and the eval crop.
 *
 * @param channels input channels
 * @param size square resolution the variant is defined at
 * @param mean per-channel mean subtracted after scaling pixels to [0, 1]
 * @param std per-channel standard deviation divided by
 * @param cropPct eval crop fraction (resize to size / cropPct, centre crop size)
 * @param interpolation resize filter of the eval transform ("bicubic", "bilinear")
 */
public record InputConfig(int channels, int size, double[] mean, double[] std, double cropPct, String interpolation) {
    public static final double[] IMAGENET_MEAN = {0.485, 0.456, 0.406};
    public static final double[] IMAGENET_STD = {0.229, 0.224, 0.225};

    public InputConfig {
        mean = mean.clone();
        std = std.clone();
    }

    /** ImageNet normalisation, 3 channels, crop 0.875, bicubic: the default of most variants. */
    public static InputConfig imagenet(int size) {
        return new InputConfig(3, size, IMAGENET_MEAN, IMAGENET_STD, 0.875, "bicubic");
    }

    @Override
    public double[] mean() {
        return mean.clone();
    }

    @Override
    public double[] std() {
        return std.clone();
    }
}
