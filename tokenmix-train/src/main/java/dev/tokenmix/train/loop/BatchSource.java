package dev.tokenmix.train.loop;

import java.util.Iterator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the training loop reads: for each epoch, a repeatable sequence of batches. Repeatable means that the batches
 * of epoch {@code e} (order, augmentation, mixing) depend only on the source's seed and {@code e}, so that a run
 * resumed at an epoch boundary sees the same data as one that went straight through.
 */
public interface BatchSource {

    /**
     * One batch.
     *
     * @param images NCHW float32, normalised, {@code [B, 3, S, S]}
     * @param targets soft targets {@code [B, K]} (one-hot, smoothed or mixed), rows summing to 1
     * @param labels the hard class of each image (for accuracy)
     */
    record Batch(INDArray images, INDArray targets, int[] labels) {
    }

    /** Classes {@code K}. */
    int numClasses();

    /** Batches per epoch. */
    long batchesPerEpoch();

    /** The batches of {@code epoch} (from 0). */
    Iterator<Batch> batches(int epoch);
}
