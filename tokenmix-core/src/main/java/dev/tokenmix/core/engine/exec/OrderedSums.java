package dev.tokenmix.core.engine.exec;

import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Sums that the parts of a {@link ParallelRanges} split each accumulate (the parameter gradients of a backward
 * kernel), added over the parts in the order of their ranges, so that a given thread count always adds in the same
 * order and gives the same result.
 */
final class OrderedSums {
    private final SortedMap<Integer, float[][]> parts = new TreeMap<>();

    /**
     * Records the sums of the part that starts at {@code from}.
     *
     * @param from the first position of the part
     * @param sums its sums, one array per quantity
     */
    synchronized void add(int from, float[]... sums) {
        parts.put(from, sums);
    }

    /**
     * The total of quantity {@code q} over the parts.
     *
     * @param q the index of the quantity in the arrays given to {@link #add}
     * @param length its length
     * @return the totals, zeros if no part was recorded
     */
    float[] total(int q, int length) {
        float[] out = new float[length];
        for (float[][] p : parts.values()) {
            float[] v = p[q];
            for (int j = 0; j < length; j++) {
                out[j] += v[j];
            }
        }
        return out;
    }
}
