package dev.tokenmix.models;

import dev.tokenmix.models.glnet.GlnetVariants;
import dev.tokenmix.models.mixer.MixerVariants;
import dev.tokenmix.models.paca.PacaVitVariants;
import dev.tokenmix.models.resmlp.ResMlpVariants;
import dev.tokenmix.models.swat.SwatVariants;
import dev.tokenmix.models.swin.SwinVariants;
import dev.tokenmix.models.psvit.PsvitVariants;
import dev.tokenmix.models.stt.SttVariants;
import dev.tokenmix.models.vit.VisionTransformerVariants;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * All registered variants, by name. Each family adds its variants in its {@code *Variants.register} method,
 * listed in {@link #ModelRegistry()}.
 */
public final class ModelRegistry {
    private static final ModelRegistry INSTANCE = new ModelRegistry();
    private final Map<String, Variant> variants = new LinkedHashMap<>();

    private ModelRegistry() {
        VisionTransformerVariants.register(this);
        PacaVitVariants.register(this);
        GlnetVariants.register(this);
        MixerVariants.register(this);
        ResMlpVariants.register(this);
        SwatVariants.register(this);
        SwinVariants.register(this);
        PsvitVariants.register(this);
        SttVariants.register(this);
    }

    public static ModelRegistry get() {
        return INSTANCE;
    }

    /** Adds a variant; names are unique. */
    public void register(Variant v) {
        if (variants.putIfAbsent(v.name(), v) != null) {
            throw new IllegalStateException("model '" + v.name() + "' registered twice");
        }
    }

    /** The variant called {@code name}, or an {@link UnknownModelException} naming the closest ones. */
    public Variant variant(String name) {
        Variant v = variants.get(name);
        if (v == null) {
            throw new UnknownModelException(name, closest(name, 3));
        }
        return v;
    }

    public boolean contains(String name) {
        return variants.containsKey(name);
    }

    /** Names matching a shell-style wildcard ({@code *} and {@code ?}), sorted; empty or null matches all. */
    public List<String> list(String pattern) {
        Pattern p = glob(pattern == null || pattern.isEmpty() ? "*" : pattern);
        List<String> out = new ArrayList<>();
        for (String n : variants.keySet()) {
            if (p.matcher(n).matches()) {
                out.add(n);
            }
        }
        Collections.sort(out);
        return out;
    }

    /** The registered names nearest to {@code name} by edit distance (substring matches first). */
    public List<String> closest(String name, int n) {
        String q = name.toLowerCase();
        List<String> all = new ArrayList<>(variants.keySet());
        all.sort(Comparator.comparingInt((String s) -> s.contains(q) || q.contains(s) ? 0 : 1)
                .thenComparingInt(s -> editDistance(q, s)).thenComparing(s -> s));
        return all.subList(0, Math.min(n, all.size()));
    }

    private static Pattern glob(String g) {
        StringBuilder sb = new StringBuilder();
        for (char c : g.toCharArray()) {
            if (c == '*') {
                sb.append(".*");
            } else if (c == '?') {
                sb.append('.');
            } else {
                sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(sb.toString(), Pattern.CASE_INSENSITIVE);
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
