package dev.tokenmix.models.glnet;

import dev.tokenmix.models.InputConfig;
import dev.tokenmix.models.ModelRegistry;
import dev.tokenmix.models.PaperStats;
import dev.tokenmix.models.Variant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The GLNet variants of the official GLMix repository (arXiv 2411.14429), with its names and README numbers
 * (params in M, FLOPs meaning multiply-adds in G, ImageNet-1k top-1), plus a tiny {@code glnet_test}.
 */
public final class GlnetVariants {
    private static final String README = "GLMix README (rayleizhu/GLMix), arXiv 2411.14429";
    private static final String[] HYBRID = {"glmix", "glmix", "glmix.mha_nchw", "mha_nchw"};
    private static final String[] STL = {"glmix", "glmix", "glmix", "mha"};
    private static final int[] DEEP = {4, 4, 18, 4};
    private static final int[] SWIN_T = {2, 2, 6, 2};
    private static final Map<String, Variant> VARIANTS = new LinkedHashMap<>();

    static {
        GlnetConfig stl = new GlnetConfig(224, SWIN_T, new int[] {96, 192, 384, 768}, STL, 4, false, false, false,
                false, 0, false);
        GlnetConfig stlParam = new GlnetConfig(224, SWIN_T, new int[] {96, 192, 384, 768}, STL, 4, false, false, false,
                true, 0, false);
        GlnetConfig g4 = hybrid(new int[] {64, 128, 256, 512}, 0);
        GlnetConfig g9 = hybrid(new int[] {96, 192, 384, 768}, 0);
        GlnetConfig g16 = hybrid(new int[] {128, 256, 512, 1024}, 1e-4);
        InputConfig in = InputConfig.imagenet(224);
        InputConfig tklb = new InputConfig(3, 224, InputConfig.IMAGENET_MEAN, InputConfig.IMAGENET_STD, 0.96, "bicubic");
        add(new Variant("glnet_stl", "glnet", stl, in, new PaperStats(30.3, 4.4, 82.5, README), Glnet::new));
        add(new Variant("glnet_stl_paramslot", "glnet", stlParam, in, new PaperStats(30.5, 4.4, 82.1, README), Glnet::new));
        add(new Variant("glnet_4g", "glnet", g4, in, new PaperStats(27.0, 4.5, 83.7, README), Glnet::new));
        add(new Variant("glnet_9g", "glnet", g9, in, new PaperStats(60.0, 9.7, 84.5, README), Glnet::new));
        add(new Variant("glnet_16g", "glnet", g16, in, new PaperStats(106.1, 16.7, 85.0, README + " (EMA weights)"),
                Glnet::new));
        add(new Variant("glnet_4g_tklb", "glnet", g4.withTokenLabeling(), tklb,
                new PaperStats(27.5, 4.5, 84.4, README), Glnet::new));
        add(new Variant("glnet_9g_tklb", "glnet", g9.withTokenLabeling(), tklb,
                new PaperStats(60.8, 9.7, 85.3, README), Glnet::new));
        // A fast model for tests and demos: 32x32 input, hybrid stages (CPE, residual DW FFN, LayerScale), width 32-64.
        add(new Variant("glnet_test", "glnet",
                new GlnetConfig(32, new int[] {1, 1, 2, 1}, new int[] {32, 32, 64, 64}, HYBRID, 2, true, true, true,
                        false, 0.5, false),
                InputConfig.imagenet(32), PaperStats.NONE, Glnet::new));
    }

    private GlnetVariants() {
    }

    private static GlnetConfig hybrid(int[] dims, double layerScale) {
        return new GlnetConfig(224, DEEP, dims, HYBRID, 3, true, true, true, false, layerScale, false);
    }

    private static void add(Variant v) {
        VARIANTS.put(v.name(), v);
    }

    /** The variant {@code name}; throws if there is none. */
    public static Variant variant(String name) {
        Variant v = VARIANTS.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no GLNet variant " + name + "; known: " + VARIANTS.keySet());
        }
        return v;
    }

    /** Registers every GLNet variant. */
    public static void register(ModelRegistry r) {
        for (Variant v : VARIANTS.values()) {
            r.register(v);
        }
    }
}
