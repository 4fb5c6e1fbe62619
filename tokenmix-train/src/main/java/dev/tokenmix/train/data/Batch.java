package dev.tokenmix.train.data;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One training or evaluation batch.
 *
 * @param images {@code [B, 3, S, S]} float32, normalised with the model's mean and std (mixed when mixup or cutmix
 *     was applied)
 * @param targets {@code [B, K]} float32 soft targets: smoothed one-hot, or the mixup/cutmix blend; rows sum to 1
 * @param labels the {@code B} original (unmixed) labels, for accuracy
 * @param index the batch's position in its epoch (0-based)
 */
public record Batch(INDArray images, INDArray targets, int[] labels, int index) {
    /** Number of samples. */
    public int size() {
        return labels.length;
    }
}
