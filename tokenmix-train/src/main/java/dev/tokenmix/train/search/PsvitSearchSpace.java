package dev.tokenmix.train.search;

import dev.tokenmix.models.psvit.PsvitConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * PSViT's "compact set of the possible combinations for different token pooling and attention sharing mechanisms"
 * (<a href="https://arxiv.org/abs/2108.03428">arXiv 2108.03428</a>), reconstructed: two poolings (the paper's
 * hierarchical layout has two downsampling layers), the first in front of one of {@code firstPools}, the second
 * {@code gaps} blocks later, and sharing in groups of each of {@code groups} neighbouring blocks
 * ({@link PsvitConfig#sharingGroups}). Widths, depth, pooling kind and resolution come from a base configuration.
 *
 * <p>The default space on a 13-block base: first pooling in front of block 1, 2 or 3; the second 4, 6 or 8 blocks
 * later; groups of 1 (no sharing), 2 or 3: 27 candidates, the registered {@code psvit_*} layout ({@code {1, 9}},
 * pairs) among them.
 */
public final class PsvitSearchSpace {
    private final int[] firstPools;
    private final int[] gaps;
    private final int[] groups;

    /** A space; every combination whose second pooling falls inside the network is a candidate. */
    public PsvitSearchSpace(int[] firstPools, int[] gaps, int[] groups) {
        if (firstPools.length == 0 || gaps.length == 0 || groups.length == 0
                || Arrays.stream(firstPools).anyMatch(p -> p < 1) || Arrays.stream(gaps).anyMatch(g -> g < 1)
                || Arrays.stream(groups).anyMatch(g -> g < 1)) {
            throw new IllegalArgumentException("search space needs positive first pooling positions, gaps and sharing "
                    + "groups, got firstPools=" + Arrays.toString(firstPools) + ", gaps=" + Arrays.toString(gaps)
                    + ", groups=" + Arrays.toString(groups));
        }
        this.firstPools = firstPools.clone();
        this.gaps = gaps.clone();
        this.groups = groups.clone();
    }

    /** The default compact set (see the class comment). */
    public static PsvitSearchSpace compact() {
        return new PsvitSearchSpace(new int[] {1, 2, 3}, new int[] {4, 6, 8}, new int[] {1, 2, 3});
    }

    /** The candidates on {@code base}'s widths and depth, in a fixed order. */
    public List<PsvitCandidate> candidates(PsvitConfig base) {
        List<PsvitCandidate> out = new ArrayList<>();
        int depth = base.depth();
        for (int first : firstPools) {
            for (int gap : gaps) {
                int second = first + gap;
                if (second >= depth) {
                    continue;
                }
                int[] poolAt = {first, second};
                for (int g : groups) {
                    PsvitConfig c = base.withLayout(poolAt, PsvitConfig.sharingGroups(depth, poolAt, g));
                    out.add(new PsvitCandidate("pool" + first + "-" + second + "_share" + g, c));
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no candidate fits a " + depth + "-block base: every second pooling "
                    + "position (first + gap) is at or beyond block " + depth);
        }
        return out;
    }
}
