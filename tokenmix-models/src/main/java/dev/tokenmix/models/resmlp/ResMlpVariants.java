package dev.tokenmix.models.resmlp;

import dev.tokenmix.models.InputConfig;
import dev.tokenmix.models.ModelRegistry;
import dev.tokenmix.models.PaperStats;
import dev.tokenmix.models.Variant;

/** Registered ResMLP variants, with timm's names. */
public final class ResMlpVariants {
    private static final String RESMLP = "ResMLP, Touvron et al. 2021, arXiv 2105.03404, Table 1 (ResMLP-S12)";

    private ResMlpVariants() {
    }

    public static void register(ModelRegistry r) {
        r.register(new Variant("resmlp_12_224", "resmlp", new ResMlpConfig(224, 16, 384, 12, 4.0, 1e-4),
                InputConfig.imagenet(224), new PaperStats(15.4, 3.0, 76.6, RESMLP), ResMlp::new));
        // A few-second model for tests: 32x32 input, 4x4 tokens of width 32, 2 blocks; LayerScale starts at 0.1 so a
        // few training steps move the features.
        r.register(new Variant("resmlp_test", "resmlp", new ResMlpConfig(32, 8, 32, 2, 2.0, 0.1),
                InputConfig.imagenet(32), PaperStats.NONE, ResMlp::new));
    }
}
