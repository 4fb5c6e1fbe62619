package dev.tokenmix.train.data;

import dev.tokenmix.train.data.augment.Mixup;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches a dataset for training or evaluation, like PyTorch's {@code DataLoader} with timm's collate: samples are
 * decoded and transformed on a thread pool, a few batches ahead of the consumer, and assembled in order.
 *
 * <p>Exact resume: the sample order of epoch {@code e} is a pure function of (seed, e), every random draw of
 * sample {@code i} in epoch {@code e} of (seed, e, i), and mixup's draws of (seed, e, batch index). The batches
 * are therefore the same for any number of workers and any timing, and {@link #epoch(int, int)} can start an
 * epoch in the middle without touching the skipped samples.
 *
 * <p>A sample whose image cannot be decoded is replaced by the next readable sample in dataset order (a
 * deterministic choice); the loader logs one warning with the count and an example.
 */
public final class DataLoader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DataLoader.class);
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final ImageDataset dataset;
    private final SampleTransform transform;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final long seed;
    private final int workers;
    private final int prefetch;
    private final int numClasses;
    private final double labelSmoothing;
    private final Mixup mixup;
    private final ExecutorService pool;
    private final AtomicInteger unreadable = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicBoolean warned = new java.util.concurrent.atomic.AtomicBoolean();

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.transform = b.transform;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.dropLast = b.dropLast;
        this.seed = b.seed;
        this.workers = b.workers;
        this.prefetch = b.prefetch;
        this.numClasses = b.numClasses > 0 ? b.numClasses : dataset.numClasses();
        this.labelSmoothing = b.labelSmoothing;
        this.mixup = b.mixup;
        this.pool = workers == 0 ? null : Executors.newFixedThreadPool(workers, daemonThreads());
    }

    /** A builder; {@code dataset} and {@code transform} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The dataset being batched. */
    public ImageDataset dataset() {
        return dataset;
    }

    /** Samples per batch (the last batch of an epoch may be smaller unless {@code dropLast}). */
    public int batchSize() {
        return batchSize;
    }

    /** Number of classes of the targets. */
    public int numClasses() {
        return numClasses;
    }

    /** Batches in each epoch. */
    public int batchesPerEpoch() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** How many samples could not be decoded so far (each was replaced by a readable one). */
    public int unreadableCount() {
        return unreadable.get();
    }

    /** The dataset indices in the order epoch {@code epoch} visits them (identity without shuffle). */
    public int[] order(int epoch) {
        int n = dataset.size();
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        if (shuffle) {
            SplittableRandom rng = DataSeeds.rng(seed, DataSeeds.ORDER, epoch);
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
        }
        return idx;
    }

    /** The batches of epoch {@code epoch}, from the first. */
    public Epoch epoch(int epoch) {
        return epoch(epoch, 0);
    }

    /**
     * The batches of epoch {@code epoch} from batch {@code fromBatch} on: exactly the batches a full pass would
     * give from that position, for resuming in the middle of an epoch.
     */
    public Epoch epoch(int epoch, int fromBatch) {
        if (fromBatch < 0 || fromBatch > batchesPerEpoch()) {
            throw new IllegalArgumentException("batch " + fromBatch + " is outside 0.." + batchesPerEpoch());
        }
        return new Epoch(epoch, fromBatch);
    }

    /** Stops the worker threads; epochs in progress fail on their next batch. */
    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    /** A transformed sample and its label (the replacement's label when the requested image was unreadable). */
    private record Loaded(float[] x, int label) {
    }

    private Loaded loadSample(int index, int epoch) {
        int n = dataset.size();
        for (int k = 0; k < n; k++) {
            int i = (index + k) % n;
            ImageDataset.Sample s;
            try {
                s = dataset.get(i);
            } catch (UnreadableImageException e) {
                unreadable.incrementAndGet();
                if (warned.compareAndSet(false, true)) {
                    LOG.warn("skipping unreadable images (first: {}: {}); each is replaced by the next readable one",
                            dataset.describe(i), e.getMessage());
                }
                continue;
            }
            // Draws are keyed by the requested index, so a replacement does not shift anyone else's randomness.
            return new Loaded(transform.apply(s.image(), DataSeeds.rng(seed, DataSeeds.SAMPLE, epoch, index)),
                    s.label());
        }
        throw new DatasetException("no image of the dataset is readable (first: " + dataset.describe(0) + ")");
    }

    private static ThreadFactory daemonThreads() {
        int pool = POOLS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "tokenmix-data-" + pool + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * The batches of one epoch, produced in order while later ones are prepared in the background. Close it when
     * abandoning the epoch early, so that queued work is cancelled.
     */
    public final class Epoch implements Iterator<Batch>, Iterable<Batch>, AutoCloseable {
        private final int epoch;
        private final int[] order;
        private final int batches;
        private int next;
        private int submitted;
        private final ArrayDeque<List<Future<Loaded>>> queue = new ArrayDeque<>();

        private Epoch(int epoch, int fromBatch) {
            this.epoch = epoch;
            this.order = order(epoch);
            this.batches = batchesPerEpoch();
            this.next = fromBatch;
            this.submitted = fromBatch;
        }

        /** The epoch number. */
        public int number() {
            return epoch;
        }

        /** The index of the batch {@link #next} returns. */
        public int nextIndex() {
            return next;
        }

        @Override
        public Iterator<Batch> iterator() {
            return this;
        }

        @Override
        public boolean hasNext() {
            return next < batches;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("epoch " + epoch + " has " + batches + " batches");
            }
            int b = next++;
            int[] idx = indices(b);
            int s = transform.size();
            int chw = 3 * s * s;
            float[] x = new float[idx.length * chw];
            int[] labels = new int[idx.length];
            List<Future<Loaded>> futures = null;
            if (pool != null) {
                while (submitted < Math.min(batches, b + 1 + prefetch)) {
                    queue.add(submit(indices(submitted++)));
                }
                futures = queue.poll();
            }
            for (int k = 0; k < idx.length; k++) {
                Loaded l = futures == null ? loadSample(idx[k], epoch) : join(futures.get(k));
                System.arraycopy(l.x(), 0, x, k * chw, chw);
                labels[k] = l.label();
            }
            float[] t;
            if (mixup != null) {
                t = mixup.apply(x, idx.length, 3, s, s, labels, numClasses, labelSmoothing,
                        DataSeeds.rng(seed, DataSeeds.BATCH, epoch, b)).targets();
            } else {
                t = Targets.smoothed(labels, numClasses, labelSmoothing);
            }
            // [B * 3 * S * S] -> [B, 3, S, S] and [B * K] -> [B, K]
            INDArray images = Nd4j.createFromArray(x).reshape(idx.length, 3, s, s).castTo(DataType.FLOAT);
            INDArray targets = Nd4j.createFromArray(t).reshape(idx.length, numClasses).castTo(DataType.FLOAT);
            return new Batch(images, targets, labels, b);
        }

        private int[] indices(int b) {
            int from = b * batchSize;
            return Arrays.copyOfRange(order, from, Math.min(order.length, from + batchSize));
        }

        private List<Future<Loaded>> submit(int[] idx) {
            List<Future<Loaded>> fs = new ArrayList<>(idx.length);
            for (int i : idx) {
                fs.add(pool.submit(() -> loadSample(i, epoch)));
            }
            return fs;
        }

        private Loaded join(Future<Loaded> f) {
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for data", e);
            } catch (CancellationException e) {
                throw new IllegalStateException("the data loader was closed", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException("loading a sample failed: " + e.getCause(), e.getCause());
            }
        }

        /** Cancels the batches prepared ahead. */
        @Override
        public void close() {
            for (List<Future<Loaded>> fs : queue) {
                fs.forEach(f -> f.cancel(false));
            }
            queue.clear();
        }
    }

    /** Builds a {@link DataLoader}; {@link #build} names any bad value. */
    public static final class Builder {
        private ImageDataset dataset;
        private SampleTransform transform;
        private int batchSize = 32;
        private boolean shuffle = true;
        private boolean dropLast;
        private long seed;
        private int workers = Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
        private int prefetch = 2;
        private int numClasses;
        private double labelSmoothing;
        private Mixup mixup;

        private Builder() {
        }

        public Builder dataset(ImageDataset dataset) {
            this.dataset = dataset;
            return this;
        }

        /**
         * The per-sample transform (a {@link dev.tokenmix.train.data.augment.TrainTransform} or
         * {@link SampleTransform#eval}).
         */
        public Builder transform(SampleTransform transform) {
            this.transform = transform;
            return this;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Whether each epoch visits the samples in a fresh random order (default true; off for evaluation). */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** Whether a last, smaller batch is dropped (timm drops it for training). */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /** The seed of the order and of every augmentation draw. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Decoding threads; 0 decodes in the consumer's thread. Default: cores - 1 (at least 1). */
        public Builder workers(int workers) {
            this.workers = workers;
            return this;
        }

        /** Batches prepared ahead of the consumer (default 2). */
        public Builder prefetch(int prefetch) {
            this.prefetch = prefetch;
            return this;
        }

        /** Columns of the targets (default: the dataset's class count; larger for a bigger classifier). */
        public Builder numClasses(int numClasses) {
            this.numClasses = numClasses;
            return this;
        }

        /** timm's label smoothing of the targets (default 0: one-hot). */
        public Builder labelSmoothing(double labelSmoothing) {
            this.labelSmoothing = labelSmoothing;
            return this;
        }

        /** Mixup/CutMix applied to each batch (null: none). */
        public Builder mixup(Mixup mixup) {
            this.mixup = mixup;
            return this;
        }

        public DataLoader build() {
            Objects.requireNonNull(dataset, "dataset");
            Objects.requireNonNull(transform, "transform");
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
            }
            if (workers < 0 || prefetch < 0) {
                throw new IllegalArgumentException("workers and prefetch must be >= 0, got " + workers + ", " + prefetch);
            }
            if (numClasses != 0 && numClasses < dataset.numClasses()) {
                throw new IllegalArgumentException("the targets need at least the dataset's " + dataset.numClasses()
                        + " classes, got " + numClasses);
            }
            Targets.checkSmoothing(labelSmoothing);
            if (dataset.size() == 0) {
                throw new DatasetException("the dataset is empty");
            }
            if (dropLast && dataset.size() < batchSize) {
                throw new DatasetException("the dataset has " + dataset.size() + " images, fewer than one batch of "
                        + batchSize + "; lower the batch size");
            }
            return new DataLoader(this);
        }
    }
}
