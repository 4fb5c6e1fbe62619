package dev.tokenmix.core.mixers.psvit;

import java.util.Arrays;
import java.util.Locale;

/**
 * How {@link TokenPooling} reduces the 2-D token grid: average, max, or a strided depthwise convolution (a learned
 * pooling, as in PiT). PSViT (<a href="https://arxiv.org/abs/2108.03428">arXiv 2108.03428</a>) defines token
 * pooling only as "the operation that decreases the number of tokens at the spatial level"; the three kinds are
 * the options a configuration chooses from.
 */
public enum PoolingKind {
    /** Average of each window (no parameters). */
    AVG,
    /** Maximum of each window (no parameters). */
    MAX,
    /** Depthwise convolution with the pooling stride and a bias (learned; {@code C·k² + C} parameters). */
    CONV;

    /** The lower-case name used in configurations and on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code avg}, {@code max} or {@code conv} (any case), naming the choices when it is none of them. */
    public static PoolingKind parse(String s) {
        for (PoolingKind k : values()) {
            if (k.id().equalsIgnoreCase(s)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown token pooling '" + s + "'; choose one of "
                + Arrays.stream(values()).map(PoolingKind::id).toList());
    }
}
