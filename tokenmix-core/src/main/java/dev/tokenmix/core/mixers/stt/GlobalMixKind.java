package dev.tokenmix.core.mixers.stt;

import java.util.Arrays;
import java.util.Locale;

/**
 * How {@link SuperTokenGlobalMixing} mixes the super tokens of one image: multi-head self-attention among all of
 * them, or a separable convolution (depthwise {@code k x k} on the grid of windows, then a pointwise linear layer),
 * the "separable convolution mixer" a secondary description of STT (<a href="https://arxiv.org/abs/2111.13156">arXiv
 * 2111.13156</a>) mentions.
 */
public enum GlobalMixKind {
    /** Multi-head self-attention among the {@code nW} super tokens (keys {@code attn.qkv}, {@code attn.proj}). */
    ATTENTION,
    /** Depthwise conv on the window grid, then a pointwise linear layer (keys {@code dw}, {@code pw}). */
    SEPARABLE_CONV;

    /** The lower-case name used in configurations. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code attention} or {@code separable_conv} (any case), naming the choices when it is neither. */
    public static GlobalMixKind parse(String s) {
        for (GlobalMixKind k : values()) {
            if (k.id().equalsIgnoreCase(s)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown super-token mixing '" + s + "'; choose one of "
                + Arrays.stream(values()).map(GlobalMixKind::id).toList());
    }
}
