package dev.tokenmix.models.vit;

import dev.tokenmix.models.InputConfig;
import dev.tokenmix.models.ModelRegistry;
import dev.tokenmix.models.PaperStats;
import dev.tokenmix.models.Variant;

/** Registered Vision Transformer variants, with timm's names. */
public final class VisionTransformerVariants {
    private static final String DEIT = "DeiT, Touvron et al. 2021, arXiv 2012.12877, Table 1";
    private static final String VIT_B32 = "top-1: DeiT-style ViT-B/32 trained from scratch on ImageNet-1k, the SWAT "
            + "baseline (arXiv 2111.13677, Fig. 1, read off the figure)";
    private static final double[] HALF = {0.5, 0.5, 0.5};

    private VisionTransformerVariants() {
    }

    public static void register(ModelRegistry r) {
        r.register(new Variant("deit_tiny_patch16_224", "vit",
                new VitConfig(224, 16, 192, 12, 3, 4.0, true, "token", 1e-6),
                InputConfig.imagenet(224), new PaperStats(5.7, 1.3, 72.2, DEIT), VisionTransformer::new));
        r.register(new Variant("deit_small_patch16_224", "vit",
                new VitConfig(224, 16, 384, 12, 6, 4.0, true, "token", 1e-6),
                InputConfig.imagenet(224), new PaperStats(22.1, 4.6, 79.8, DEIT), VisionTransformer::new));
        r.register(new Variant("vit_base_patch32_224", "vit",
                new VitConfig(224, 32, 768, 12, 12, 4.0, true, "token", 1e-6),
                new InputConfig(3, 224, HALF, HALF, 0.9, "bicubic"), new PaperStats(Double.NaN, Double.NaN, 75.5, VIT_B32),
                VisionTransformer::new));
        // A few-second model for tests and demos: 32x32 input, 2 blocks of width 32.
        r.register(new Variant("vit_test", "vit",
                new VitConfig(32, 8, 32, 2, 2, 2.0, true, "token", 1e-6),
                InputConfig.imagenet(32), PaperStats.NONE, VisionTransformer::new));
    }
}
