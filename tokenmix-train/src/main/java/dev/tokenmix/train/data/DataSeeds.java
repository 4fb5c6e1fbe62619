package dev.tokenmix.train.data;

import java.util.SplittableRandom;

/**
 * Random number generators that are pure functions of their coordinates, so that every random draw of a data
 * pipeline depends only on (seed, stream, epoch, index) and never on thread scheduling or on how many samples
 * came before. This is what lets a resumed run see exactly the batches an uninterrupted run would have seen.
 */
public final class DataSeeds {
    /** Stream of the shuffle order of an epoch. */
    public static final long ORDER = 0x6f72646572L;
    /** Stream of the per-sample augmentation draws. */
    public static final long SAMPLE = 0x73616d706c65L;
    /** Stream of the per-batch draws (mixup, cutmix). */
    public static final long BATCH = 0x6261746368L;
    /** Stream of the content of generated datasets. */
    public static final long CONTENT = 0x636f6e74656eL;

    private DataSeeds() {
    }

    /** A well-mixed 64-bit hash of the coordinates (SplitMix64's finaliser applied after each part). */
    public static long mix(long... parts) {
        long h = 0x9E3779B97F4A7C15L;
        for (long p : parts) {
            h = fmix(h ^ fmix(p + 0x9E3779B97F4A7C15L));
        }
        return h;
    }

    /** A fresh generator for the coordinates. */
    public static SplittableRandom rng(long... parts) {
        return new SplittableRandom(mix(parts));
    }

    private static long fmix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
