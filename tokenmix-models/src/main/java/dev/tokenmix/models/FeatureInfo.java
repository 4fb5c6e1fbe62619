package dev.tokenmix.models;

/**
 * One feature map a model can return from {@link Model#featuresOnly(int...)} (timm's {@code feature_info}).
 *
 * @param index position in the model's list of feature points
 * @param module path of the module whose output it is
 * @param channels channels of the NCHW map
 * @param reduction input size divided by the map's size
 */
public record FeatureInfo(int index, String module, long channels, int reduction) {
}
