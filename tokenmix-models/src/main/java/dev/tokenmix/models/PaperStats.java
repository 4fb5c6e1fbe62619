package dev.tokenmix.models;

/**
 * What a paper (or the official repository's README) reports for a variant, so users can compare it with our
 * measured parameter count and MACs. Unknown values are {@code NaN}.
 *
 * @param paramsM parameters in millions
 * @param gmacs multiply-accumulates in billions at the default resolution (what papers call FLOPs)
 * @param top1 ImageNet-1k top-1 accuracy in percent
 * @param source where the numbers come from
 */
public record PaperStats(double paramsM, double gmacs, double top1, String source) {
    public static final PaperStats NONE = new PaperStats(Double.NaN, Double.NaN, Double.NaN, "");
}
