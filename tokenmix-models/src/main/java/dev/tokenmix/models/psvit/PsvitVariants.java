package dev.tokenmix.models.psvit;

import dev.tokenmix.core.mixers.psvit.PoolingKind;
import dev.tokenmix.models.InputConfig;
import dev.tokenmix.models.ModelRegistry;
import dev.tokenmix.models.PaperStats;
import dev.tokenmix.models.Variant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The registered PSViT variants. The paper's per-variant configurations and numbers are not public, so these are
 * reconstructions on the DeiT widths (see the PSViT section of {@code docs/models.md} for why this layout):
 * patch 8 (a 28x28 grid), 2x2 average pooling in front of blocks 1 and 9 (28x28, then DeiT's 14x14, then 7x7),
 * 13 blocks with neighbouring blocks sharing attention in pairs after the first pooling. Only the width and heads
 * change between tiny, small and base, as in DeiT.
 */
public final class PsvitVariants {
    private static final String ABSTRACT = "PSViT, arXiv 2108.03428 (abstract only: up to +6.6% top-1 over DeiT; "
            + "per-variant numbers not available)";
    /** Pooling positions of the registered layout. */
    static final int[] POOL_AT = {1, 9};
    /** Blocks of the registered layout. */
    static final int DEPTH = 13;
    /** Neighbouring blocks sharing one attention map in the registered layout. */
    static final int SHARE_GROUP = 2;
    private static final Map<String, Variant> VARIANTS = new LinkedHashMap<>();

    static {
        add("psvit_tiny", deitWidth(192, 3));
        add("psvit_small", deitWidth(384, 6));
        add("psvit_base", deitWidth(768, 12));
        // A fast model for tests and demos: 32x32 input, a 4x4 grid pooled by a learned 3x3/2 depthwise conv to
        // 2x2, 3 blocks of width 32, the last reusing the second one's attention map ("A|As").
        int[] testPools = {1};
        VARIANTS.put("psvit_test", new Variant("psvit_test", "psvit",
                new PsvitConfig(32, 8, 32, 2, 2.0, true, testPools, PoolingKind.CONV, 3, 2,
                        PsvitConfig.sharingGroups(3, testPools, 2), "token", 1e-6),
                InputConfig.imagenet(32), PaperStats.NONE, Psvit::new));
    }

    private PsvitVariants() {
    }

    private static PsvitConfig deitWidth(int dim, int heads) {
        return new PsvitConfig(224, 8, dim, heads, 4.0, true, POOL_AT, PoolingKind.AVG, 2, 2,
                PsvitConfig.sharingGroups(DEPTH, POOL_AT, SHARE_GROUP), "token", 1e-6);
    }

    private static void add(String name, PsvitConfig cfg) {
        VARIANTS.put(name, new Variant(name, "psvit", cfg, InputConfig.imagenet(224),
                new PaperStats(Double.NaN, Double.NaN, Double.NaN, ABSTRACT), Psvit::new));
    }

    /** The variant {@code name}; throws if there is none. */
    public static Variant variant(String name) {
        Variant v = VARIANTS.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no PSViT variant " + name + "; known: " + VARIANTS.keySet());
        }
        return v;
    }

    /** Registers every PSViT variant. */
    public static void register(ModelRegistry r) {
        for (Variant v : VARIANTS.values()) {
            r.register(v);
        }
    }
}
