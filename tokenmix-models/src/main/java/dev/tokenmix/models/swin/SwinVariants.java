package dev.tokenmix.models.swin;

import dev.tokenmix.models.InputConfig;
import dev.tokenmix.models.ModelRegistry;
import dev.tokenmix.models.PaperStats;
import dev.tokenmix.models.Variant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Swin Transformer baselines with timm's names and the Swin paper's numbers, and SWAT's Swin-T/S
 * ({@code swat_swin_*}) with the SWAT paper's, plus tiny {@code swin_test} and {@code swat_swin_test} for tests.
 */
public final class SwinVariants {
    private static final String SWIN = "Swin Transformer, Liu et al. 2021, arXiv 2103.14030, Table 1(a)";
    private static final String SWAT = "SWAT, Kahatapitiya and Ryoo, arXiv 2111.13677, Fig. 1 (read off the plot; "
            + "SWAT Swin-T's official training log: 81.71)";
    private static final int[] TINY = {2, 2, 6, 2};
    private static final int[] SMALL = {2, 2, 18, 2};
    private static final int[] HEADS = {3, 6, 12, 24};
    private static final Map<String, Variant> VARIANTS = new LinkedHashMap<>();

    static {
        // timm 0.4.13 and the official code evaluate Swin with crop 0.9, bicubic
        InputConfig in = new InputConfig(3, 224, InputConfig.IMAGENET_MEAN, InputConfig.IMAGENET_STD, 0.9, "bicubic");
        SwatSwinSettings swat = SwatSwinSettings.official();
        add("swin_tiny_patch4_window7_224", "swin", swin(TINY, null), in, new PaperStats(28, 4.5, 81.3, SWIN));
        add("swin_small_patch4_window7_224", "swin", swin(SMALL, null), in, new PaperStats(50, 8.7, 83.0, SWIN));
        add("swat_swin_tiny_patch4_window7_224", "swat", swin(TINY, swat), in, new PaperStats(27.0, 4.7, 81.7, SWAT));
        add("swat_swin_small_patch4_window7_224", "swat", swin(SMALL, swat), in, new PaperStats(48.9, 9.0, 83.4, SWAT));
        // Fast models for tests and demos: 32x32 input, two stages of width 16 and 32, 4x4 windows (the first stage
        // shifts, the second is one window); the SWAT one has 4x2x2 tokens, then 2x4x4.
        InputConfig small = new InputConfig(3, 32, InputConfig.IMAGENET_MEAN, InputConfig.IMAGENET_STD, 0.9, "bicubic");
        add("swin_test", "swin", new SwinConfig(32, 4, 16, new int[] {2, 2}, new int[] {2, 4}, 4, 2.0, true, null), small,
                PaperStats.NONE);
        add("swat_swin_test", "swat", new SwinConfig(32, 4, 16, new int[] {2, 2}, new int[] {2, 4}, 4, 2.0, true,
                new SwatSwinSettings(2, 8, new int[] {1, 3}, new int[] {3, 3}, new int[] {3})), small, PaperStats.NONE);
    }

    private SwinVariants() {
    }

    private static SwinConfig swin(int[] depths, SwatSwinSettings swat) {
        return new SwinConfig(224, 4, 96, depths, HEADS, 7, 4.0, true, swat);
    }

    private static void add(String name, String family, SwinConfig cfg, InputConfig in, PaperStats paper) {
        VARIANTS.put(name, new Variant(name, family, cfg, in, paper, SwinTransformer::new));
    }

    /** The variant {@code name}; throws if there is none. */
    public static Variant variant(String name) {
        Variant v = VARIANTS.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no Swin variant " + name + "; known: " + VARIANTS.keySet());
        }
        return v;
    }

    /** Registers every Swin and SWAT-Swin variant. */
    public static void register(ModelRegistry r) {
        for (Variant v : VARIANTS.values()) {
            r.register(v);
        }
    }
}
