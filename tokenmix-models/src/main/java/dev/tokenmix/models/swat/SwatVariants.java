package dev.tokenmix.models.swat;

import dev.tokenmix.models.InputConfig;
import dev.tokenmix.models.ModelRegistry;
import dev.tokenmix.models.PaperStats;
import dev.tokenmix.models.Variant;
import dev.tokenmix.models.swat.SwatConfig.Arch;
import java.util.NoSuchElementException;

/**
 * The SWAT variants of the official code (selected there by commented-out blocks, named here after their base
 * models), plus tiny {@code *_test} variants. Paper statistics: parameters and GMACs counted from the official model
 * definitions, top-1 read off the paper's Fig. 1 (about ±0.2).
 */
public final class SwatVariants {
    private static final String SWAT = "SWAT, Kahatapitiya and Ryoo, arXiv 2111.13677: params and GMACs of the official "
            + "code's definitions (kkahatapitiya/SWAT), top-1 read off Fig. 1";
    /** The official eval crop (crop_pct 0.9, bicubic, ImageNet mean and std). */
    private static final InputConfig INPUT = new InputConfig(3, 224, InputConfig.IMAGENET_MEAN, InputConfig.IMAGENET_STD,
            0.9, "bicubic");

    private SwatVariants() {
    }

    /** Every registered SWAT variant: name, config, paper statistics. */
    static final Object[][] TABLE = {
        {"swat_deit_tiny_patch16_224", deit(192, 3, 1, 5), new PaperStats(5.83, 1.39, 75.7, SWAT)},
        {"swat_deit_small_patch16_224", deit(384, 6, 1, 5), new PaperStats(22.27, 4.89, 80.5, SWAT)},
        {"swat_deit_base_patch32_224", deit(768, 12, 2, 3), new PaperStats(86.34, 4.52, 76.2, SWAT)},
        {"swat_mixer_tiny_patch16_224", mixer(256, 8, 64, 8, 3, 5), new PaperStats(5.10, 0.98, 72.3, SWAT)},
        {"swat_mixer_small_patch16_224", mixer(512, 8, 128, 8, 3, 5), new PaperStats(18.58, 3.82, 77.9, SWAT)},
        {"swat_mixer_base_patch32_224", mixer(768, 12, 128, 16, 5, 3), new PaperStats(58.42, 3.25, 77.1, SWAT)},
        {"swat_resmlp_12_224", new SwatConfig(Arch.RESMLP, 224, 384, 12, 0, 1536, 0, 128, 2, 0, 1, 8, 3, 5, 1e-4),
            new PaperStats(15.56, 3.08, 77.5, SWAT)},
        // Few-second models for tests: 32x32 input, 4x4 tokens of width 32 (2 x 4 x 4 images), 2 blocks; the ResMLP
        // one starts its LayerScale at 1 so that a few SGD steps on one batch move its features.
        {"swat_test", new SwatConfig(Arch.DEIT, 32, 32, 2, 2, 64, 0, 8, 4, 1, 1, 4, 3, 3, 0), PaperStats.NONE},
        {"swat_mixer_test", new SwatConfig(Arch.MIXER, 32, 32, 2, 0, 64, 8, 8, 2, 0, 1, 4, 3, 3, 0), PaperStats.NONE},
        {"swat_resmlp_test", new SwatConfig(Arch.RESMLP, 32, 32, 2, 0, 64, 0, 8, 2, 0, 1, 4, 3, 3, 1.0), PaperStats.NONE},
    };

    /** SWAT DeiT: 12 blocks, 4x4/s2/p1 stem to 128 channels, α = 8, structure convolutions 3x3, MLP ratio 4. */
    private static SwatConfig deit(int dim, int heads, int projKernel, int gridKernel) {
        return new SwatConfig(Arch.DEIT, 224, dim, 12, heads, 4 * dim, 0, 128, 4, 1, projKernel, 8, 3, gridKernel, 0);
    }

    /** SWAT Mixer: 2x2/s2 stem, token MLP {@code dim/2}, channel MLP {@code 4 dim}. */
    private static SwatConfig mixer(int dim, int depth, int stem, int alpha, int mixKernel, int gridKernel) {
        return new SwatConfig(Arch.MIXER, 224, dim, depth, 0, 4 * dim, dim / 2, stem, 2, 0, 1, alpha, mixKernel, gridKernel,
                0);
    }

    public static void register(ModelRegistry r) {
        for (Object[] row : TABLE) {
            r.register(variant((String) row[0]));
        }
    }

    /** The registered variant called {@code name}. */
    public static Variant variant(String name) {
        for (Object[] row : TABLE) {
            if (row[0].equals(name)) {
                SwatConfig cfg = (SwatConfig) row[1];
                InputConfig in = cfg.imgSize() == 224 ? INPUT : InputConfig.imagenet(cfg.imgSize());
                return new Variant(name, "swat", cfg, in, (PaperStats) row[2], Swat::new);
            }
        }
        throw new NoSuchElementException("no SWAT variant '" + name + "'");
    }
}
