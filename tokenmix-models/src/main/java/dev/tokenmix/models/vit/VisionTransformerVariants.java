package dev.tokenmix.models.vit;

import dev.tokenmix.models.InputConfig;
import dev.tokenmix.models.ModelRegistry;
import dev.tokenmix.models.PaperStats;
import dev.tokenmix.models.Variant;

/** Registered Vision Transformer variants, with timm's names. */
public final class VisionTransformerVariants {
    private static final String DEIT = "DeiT, Touvron et al. 2021, arXiv 2012.12877, Table 1";

    private VisionTransformerVariants() {
    }

    public static void register(ModelRegistry r) {
        r.register(new Variant("deit_tiny_patch16_224", "vit",
                new VitConfig(224, 16, 192, 12, 3, 4.0, true, "token", 1e-6),
                InputConfig.imagenet(224), new PaperStats(5.7, 1.3, 72.2, DEIT), VisionTransformer::new));
        // A few-second model for tests and demos: 32x32 input, 2 blocks of width 32.
        r.register(new Variant("vit_test", "vit",
                new VitConfig(32, 8, 32, 2, 2, 2.0, true, "token", 1e-6),
                InputConfig.imagenet(32), PaperStats.NONE, VisionTransformer::new));
    }
}
