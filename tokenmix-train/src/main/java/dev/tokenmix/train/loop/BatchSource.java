package dev.tokenmix.train.loop;

import dev.tokenmix.train.data.Batch;
import dev.tokenmix.train.data.DataLoader;
import java.util.Iterator;

/**
 * What the training loop reads: for each epoch, a repeatable sequence of batches. Repeatable means that the batches
 * of epoch {@code e} (order, augmentation, mixing) depend only on the source's seed and {@code e}, so that a run
 * resumed at an epoch boundary sees the same data as one that went straight through. {@link #of(DataLoader)} adapts
 * the data package's loader, which is built that way.
 */
public interface BatchSource {

    /** Classes {@code K} of the targets. */
    int numClasses();

    /** Batches per epoch. */
    long batchesPerEpoch();

    /** The batches of {@code epoch} (from 0). */
    Iterator<Batch> batches(int epoch);

    /** A data loader as a batch source. */
    static BatchSource of(DataLoader loader) {
        return new BatchSource() {
            @Override
            public int numClasses() {
                return loader.numClasses();
            }

            @Override
            public long batchesPerEpoch() {
                return loader.batchesPerEpoch();
            }

            @Override
            public Iterator<Batch> batches(int epoch) {
                return loader.epoch(epoch);
            }
        };
    }
}
