package dev.tokenmix.train.search;

/**
 * One evaluated candidate: a row of the search CSV.
 *
 * @param name candidate name
 * @param layout blocks as {@code A} (own attention) or {@code s} (shared), {@code |} at poolings
 * @param params trainable parameters
 * @param macs multiply-adds at batch 1 and the base resolution
 * @param accuracy evaluator's accuracy in [0, 1]
 */
public record SearchResult(String name, String layout, long params, long macs, double accuracy) {
}
