package dev.tokenmix.train.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The accuracy-vs-MACs Pareto front: the results that no other result beats with at most their MACs and higher
 * accuracy (or equal accuracy and fewer MACs).
 */
public final class ParetoFront {
    private ParetoFront() {
    }

    /** The front, in increasing MACs (and so increasing accuracy). */
    public static List<SearchResult> of(List<SearchResult> results) {
        List<SearchResult> sorted = new ArrayList<>(results);
        sorted.sort(Comparator.comparingLong(SearchResult::macs)
                .thenComparing(Comparator.comparingDouble(SearchResult::accuracy).reversed()));
        List<SearchResult> front = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        for (SearchResult r : sorted) {
            if (r.accuracy() > best) {
                front.add(r);
                best = r.accuracy();
            }
        }
        return front;
    }
}
