package dev.tokenmix.models.stt;

import dev.tokenmix.core.mixers.stt.GlobalMixKind;
import dev.tokenmix.models.InputConfig;
import dev.tokenmix.models.ModelRegistry;
import dev.tokenmix.models.PaperStats;
import dev.tokenmix.models.Variant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The registered STT variants. {@code stt_s25_224} is sized as the paper's STT-S25 (49M parameters; 83.5% top-1 on
 * ImageNet-1k): DeiT-S width (384, 6 heads), 25 layers, of which 6 local layers on a 28x28 patch grid cut into 7x7
 * windows (16 super tokens) and 19 layers on the super tokens. The layer split, stem and window are
 * reconstructions (see the STT section of {@code docs/models.md}); {@code stt_t25_224} is the same layout at DeiT-Ti
 * width.
 */
public final class SttVariants {
    private static final String ABSTRACT = "STT, arXiv 2111.13156 (abstract: STT-S25, 49M parameters, 83.5% top-1)";
    private static final Map<String, Variant> VARIANTS = new LinkedHashMap<>();

    static {
        add(new Variant("stt_s25_224", "stt",
                new SttConfig(224, new int[] {48, 96, 192}, 384, 6, 4.0, true, 7, 6, 19, GlobalMixKind.ATTENTION, 3,
                        "token", 1e-6),
                InputConfig.imagenet(224), new PaperStats(49, Double.NaN, 83.5, ABSTRACT), Stt::new));
        add(new Variant("stt_t25_224", "stt",
                new SttConfig(224, new int[] {24, 48, 96}, 192, 3, 4.0, true, 7, 6, 19, GlobalMixKind.ATTENTION, 3,
                        "token", 1e-6),
                InputConfig.imagenet(224), PaperStats.NONE, Stt::new));
        // A fast model for tests and demos: 32x32 input, stride-8 stem, a 4x4 grid of four 2x2 windows, one local
        // layer with separable-conv mixing, one super-token layer, width 32, the mean of the super tokens classified.
        add(new Variant("stt_test", "stt",
                new SttConfig(32, new int[] {8, 16, 16}, 32, 2, 2.0, true, 2, 1, 1, GlobalMixKind.SEPARABLE_CONV, 3,
                        "avg", 1e-6),
                InputConfig.imagenet(32), PaperStats.NONE, Stt::new));
    }

    private SttVariants() {
    }

    private static void add(Variant v) {
        VARIANTS.put(v.name(), v);
    }

    /** The variant {@code name}; throws if there is none. */
    public static Variant variant(String name) {
        Variant v = VARIANTS.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no STT variant " + name + "; known: " + VARIANTS.keySet());
        }
        return v;
    }

    /** Registers every STT variant. */
    public static void register(ModelRegistry r) {
        for (Variant v : VARIANTS.values()) {
            r.register(v);
        }
    }
}
