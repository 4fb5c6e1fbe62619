package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;

/**
 * Moves between a token sequence {@code [B, H*W, C]}, its NCHW map {@code [B, C, H, W]} and its channels-last map
 * {@code [B, H, W, C]}, token index {@code W*row + col} (row-major, as PyTorch's {@code flatten(2).transpose(1, 2)}).
 * Use it wherever a token mixer or a model hands tokens to convolutions, pooling or feature maps and back.
 */
public final class TokenGrid {
    private TokenGrid() {
    }

    /** {@code [B, H*W, C] -> [B, C, H, W]}. */
    public static Tensor toGrid(Ops ops, Tensor tokens, long h, long w) {
        ops.expectShape(tokens, "tokens [B, " + h * w + ", C]", Ops.ANY, h * w, Ops.ANY);
        long c = tokens.dim(2);
        return ops.reshape(ops.permute(tokens, 0, 2, 1), -1, c, h, w); // [B, N, C] -> [B, C, N] -> [B, C, H, W]
    }

    /** {@code [B, C, H, W] -> [B, H, W, C]}: an NCHW map as channels-last (its tokens are a reshape away). */
    public static Tensor toChannelsLast(Ops ops, Tensor map) {
        ops.expectShape(map, "map [B, C, H, W]", Ops.ANY, Ops.ANY, Ops.ANY, Ops.ANY);
        return ops.permute(map, 0, 2, 3, 1);
    }

    /** The inverse of {@link #toChannelsLast}: {@code [B, H, W, C] -> [B, C, H, W]}. */
    public static Tensor fromChannelsLast(Ops ops, Tensor map) {
        ops.expectShape(map, "channels-last map [B, H, W, C]", Ops.ANY, Ops.ANY, Ops.ANY, Ops.ANY);
        return ops.permute(map, 0, 3, 1, 2);
    }

    /** The inverse of {@link #toGrid}: {@code [B, C, H, W] -> [B, H*W, C]}. */
    public static Tensor toTokens(Ops ops, Tensor map) {
        ops.expectShape(map, "map [B, C, H, W]", Ops.ANY, Ops.ANY, Ops.ANY, Ops.ANY);
        long c = map.dim(1);
        long n = map.dim(2) * map.dim(3);
        return ops.permute(ops.reshape(map, -1, c, n), 0, 2, 1); // [B, C, H, W] -> [B, C, N] -> [B, N, C]
    }
}
