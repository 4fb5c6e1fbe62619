package dev.tokenmix.models.paca;

import static dev.tokenmix.core.mixers.paca.ClusteringKind.P2CCONV;
import static dev.tokenmix.core.mixers.paca.ClusteringKind.P2CMLP;

import dev.tokenmix.core.mixers.paca.ClusteringKind;
import dev.tokenmix.models.InputConfig;
import dev.tokenmix.models.ModelRegistry;
import dev.tokenmix.models.PaperStats;
import dev.tokenmix.models.UnknownModelException;
import dev.tokenmix.models.Variant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The 13 registered PaCa-ViT variants of the official code ({@code iVMCL/PaCaViT}; paper
 * <a href="https://arxiv.org/abs/2203.11987">arXiv 2203.11987</a>) with their official names, and the tiny
 * {@code pacavit_test} for fast tests and demos. Names encode the clusters per stage: {@code _100_0} =
 * [100, 100, 100, 0] (plain self-attention in stage 4), {@code _49_100} = [49, 64, 81, 100], {@code _100_49} =
 * [100, 81, 64, 49]; {@code blockwise} recomputes the clustering in every block; {@code convmixer} variants take
 * it from the ConvMixer teacher. Paper statistics are the official README's (params, FLOPs as MACs, top-1).
 */
public final class PacaVitVariants {
    private static final String FAMILY = "paca";
    private static final String README = "PaCa-ViT, Grainger et al. CVPR 2023, arXiv 2203.11987; official README";
    private static final int[] DIMS = {96, 192, 320, 384};
    private static final int[] BASE_DIMS = {96, 192, 384, 512};
    private static final int[] HEADS = {2, 4, 8, 16};
    private static final int[] TINY = {2, 2, 4, 2};
    private static final int[] SMALL = {3, 3, 10, 3};
    private static final int[] BASE = {3, 3, 18, 3};
    private static final int[] C100_0 = {100, 100, 100, 0};
    private static final int[] C100 = {100, 100, 100, 100};
    private static final Map<String, Variant> VARIANTS = build();

    private PacaVitVariants() {
    }

    /** Adds every variant to {@code r}. */
    public static void register(ModelRegistry r) {
        VARIANTS.values().forEach(r::register);
    }

    /** The variant called {@code name}, without going through the registry. */
    public static Variant variant(String name) {
        Variant v = VARIANTS.get(name);
        if (v == null) {
            throw new UnknownModelException(name, List.of("pacavit_tiny_p2cconv_100_0", "pacavit_test"));
        }
        return v;
    }

    /** The names, in registration order. */
    public static List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(VARIANTS.keySet()));
    }

    private static PacaVitConfig config(int[] dims, int[] depths, int[] clusters, ClusteringKind kind, int onsite,
                                        int[] teacher, double dropPath) {
        return new PacaVitConfig(224, dims, depths, HEADS, 4.0, clusters, kind, onsite, 7, teacher, 1e-6, dropPath);
    }

    private static Map<String, Variant> build() {
        Map<String, Variant> m = new LinkedHashMap<>();
        add(m, "pacavit_tiny_p2cconv_100_0", config(DIMS, TINY, C100_0, P2CCONV, 0, null, 0.1), 12.2, 3.2, 80.9);
        add(m, "pacavit_small_p2cconv_100_0", config(DIMS, SMALL, C100_0, P2CCONV, 0, null, 0.1), 22.0, 5.5, 83.08);
        add(m, "pacavit_base_p2cconv_100_0", config(BASE_DIMS, BASE, C100_0, P2CCONV, 0, null, 0.5), 46.9, 9.5, 83.96);
        add(m, "pacavit_small_p2cmlp_100_0", config(DIMS, SMALL, C100_0, P2CMLP, 0, null, 0.1), 22.6, 5.9, 83.13);
        add(m, "pacavit_small_p2cconv_2_0", config(DIMS, SMALL, new int[] {2, 2, 2, 0}, P2CCONV, 0, null, 0.1),
                22.0, 4.7, 82.28);
        add(m, "pacavit_small_p2cconv_49_0", config(DIMS, SMALL, new int[] {49, 49, 49, 0}, P2CCONV, 0, null, 0.1),
                22.0, 5.0, 82.95);
        add(m, "pacavit_small_p2cconv_49_100",
                config(DIMS, SMALL, new int[] {49, 64, 81, 100}, P2CCONV, 0, null, 0.1), 22.2, 5.3, 82.98);
        add(m, "pacavit_small_p2cconv_100_49",
                config(DIMS, SMALL, new int[] {100, 81, 64, 49}, P2CCONV, 0, null, 0.1), 22.2, 5.3, 82.87);
        add(m, "pacavit_small_p2cconv_100", config(DIMS, SMALL, C100, P2CCONV, 0, null, 0.1), 22.3, 5.6, 83.05);
        add(m, "pacavit_small_p2cconv_100_blockwise", config(DIMS, SMALL, C100, P2CCONV, 1, null, 0.1),
                24.1, 6.1, 82.93);
        // The README does not report the tiny teacher variant.
        add(m, "pacavit_convmixer_tiny_100",
                config(DIMS, new int[] {2, 2, 2, 2}, C100, P2CCONV, 0, new int[] {2, 2, 2, 2}, 0.1),
                Double.NaN, Double.NaN, Double.NaN);
        add(m, "pacavit_convmixer_small_100",
                config(DIMS, new int[] {3, 3, 7, 3}, C100, P2CCONV, 0, new int[] {2, 2, 2, 2}, 0.1), 21.1, 5.4, 83.17);
        // README lists 46.7M params; the official code builds 47,659,192 (a README typo for 47.7M).
        add(m, "pacavit_convmixer_base_100",
                config(BASE_DIMS, new int[] {3, 3, 16, 3}, C100, P2CCONV, 0, new int[] {2, 2, 4, 2}, 0.1),
                46.7, 9.7, 84.22);
        // A few-second model for tests and demos: 32x32 input, widths 8..32, clusters [4, 4, 4, 0].
        PacaVitConfig test = new PacaVitConfig(32, new int[] {8, 16, 24, 32}, new int[] {1, 2, 1, 1},
                new int[] {1, 2, 2, 4}, 2.0, new int[] {4, 4, 4, 0}, P2CCONV, 0, 3, null, 1e-6, 0.1);
        m.put("pacavit_test", new Variant("pacavit_test", FAMILY, test, input(32), PaperStats.NONE, PacaVit::new));
        return m;
    }

    private static void add(Map<String, Variant> m, String name, PacaVitConfig cfg, double params, double gmacs,
                            double top1) {
        m.put(name, new Variant(name, FAMILY, cfg, input(224), new PaperStats(params, gmacs, top1, README),
                PacaVit::new));
    }

    /** ImageNet normalisation, crop 0.9, bicubic (the official {@code _cfg}). */
    private static InputConfig input(int size) {
        return new InputConfig(3, size, InputConfig.IMAGENET_MEAN, InputConfig.IMAGENET_STD, 0.9, "bicubic");
    }
}
