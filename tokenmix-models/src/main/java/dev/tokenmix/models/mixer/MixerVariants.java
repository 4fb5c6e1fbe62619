package dev.tokenmix.models.mixer;

import dev.tokenmix.models.InputConfig;
import dev.tokenmix.models.ModelRegistry;
import dev.tokenmix.models.PaperStats;
import dev.tokenmix.models.Variant;

/**
 * Registered MLP-Mixer variants, with timm's names. {@code mixer_ti16_224} (d 256, 8 blocks, patch 16) is not in
 * upstream timm: it is the Mixer-Ti that SWAT trains as a baseline, registered under the name the SWAT fork of timm
 * gives it.
 */
public final class MixerVariants {
    private static final String MIXER = "params: MLP-Mixer, Tolstikhin et al. 2021, arXiv 2105.01601, Table 1; top-1: "
            + "trained from scratch on ImageNet-1k as the SWAT baseline (arXiv 2111.13677, Fig. 1, read off the figure)";
    private static final String MIXER_TI = "top-1: trained from scratch on ImageNet-1k as the SWAT baseline "
            + "(arXiv 2111.13677, Fig. 1, read off the figure)";
    private static final double[] HALF = {0.5, 0.5, 0.5};

    private MixerVariants() {
    }

    public static void register(ModelRegistry r) {
        r.register(variant("mixer_ti16_224", MixerConfig.of(224, 16, 256, 8), new PaperStats(Double.NaN, Double.NaN, 68.3, MIXER_TI)));
        r.register(variant("mixer_s16_224", MixerConfig.of(224, 16, 512, 8), new PaperStats(18, Double.NaN, 75.7, MIXER)));
        r.register(variant("mixer_b32_224", MixerConfig.of(224, 32, 768, 12), new PaperStats(60, Double.NaN, 75.5, MIXER)));
        // A few-second model for tests: 32x32 input, 4x4 tokens of width 32, 2 blocks.
        r.register(variant("mixer_test", new MixerConfig(32, 8, 32, 2, 16, 64, 1e-6), PaperStats.NONE));
    }

    private static Variant variant(String name, MixerConfig cfg, PaperStats paper) {
        return new Variant(name, "mixer", cfg, new InputConfig(3, cfg.imgSize(), HALF, HALF, 0.875, "bicubic"), paper,
                MlpMixer::new);
    }
}
