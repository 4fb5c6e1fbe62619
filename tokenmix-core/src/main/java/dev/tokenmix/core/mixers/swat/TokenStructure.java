package dev.tokenmix.core.mixers.swat;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.TokenGrid;

/**
 * The reshapes of SWAT (<a href="https://arxiv.org/abs/2111.13677">arXiv 2111.13677</a>) between a pixel grid, tokens
 * and the small images a token holds. A SWAT token of width {@code C = c·h·w} is, in channel order, a {@code c x h x w}
 * image (c-major, then rows, then columns): channel {@code ci*h*w + y*w + x} is pixel {@code (y, x)} of structure
 * channel {@code ci}.
 *
 * <p>Each method is one einops pattern of the official code, written as reshape and permute ('c' order); the batch
 * dimension may be folded into the first axis ({@code [B*k, ...]}), as the {@link Ops} facade allows.
 */
public final class TokenStructure {
    private TokenStructure() {
    }

    /**
     * Space-to-depth by {@code alpha}, {@code b c (n1 p1) (n2 p2) -> b (c p1 p2) n1 n2}: each {@code alpha x alpha}
     * block of a {@code [B, c, H, W]} map becomes one position with {@code c·alpha²} channels, channel
     * {@code ci*alpha² + p1*alpha + p2}.
     */
    public static Tensor spaceToDepth(Ops ops, Tensor x, int alpha) {
        ops.expectShape(x, "space-to-depth input [B, c, H, W]", -1, Ops.ANY, Ops.ANY, Ops.ANY);
        long c = x.dim(1);
        long h = x.dim(2);
        long w = x.dim(3);
        if (alpha <= 0 || h % alpha != 0 || w % alpha != 0) {
            throw ops.mismatch("space-to-depth by " + alpha + " needs a grid divisible by it, got " + x.shapeString());
        }
        long n1 = h / alpha;
        long n2 = w / alpha;
        Tensor t = ops.reshape(x, -1, c, n1, alpha, n2, alpha); // [B, c, n1, p1, n2, p2]
        t = ops.permute(t, 0, 1, 3, 5, 2, 4); // [B, c, p1, p2, n1, n2]
        return ops.reshape(t, -1, c * alpha * alpha, n1, n2); // [B, c*p1*p2, n1, n2]
    }

    /** The inverse of {@link #spaceToDepth}: {@code b (c p1 p2) n1 n2 -> b c (n1 p1) (n2 p2)}. */
    public static Tensor depthToSpace(Ops ops, Tensor x, int alpha) {
        ops.expectShape(x, "depth-to-space input [B, c*alpha^2, n1, n2]", -1, Ops.ANY, Ops.ANY, Ops.ANY);
        long a2 = (long) alpha * alpha;
        if (alpha <= 0 || x.dim(1) % a2 != 0) {
            throw ops.mismatch("depth-to-space by " + alpha + " needs channels divisible by " + a2 + ", got "
                    + x.shapeString());
        }
        long c = x.dim(1) / a2;
        long n1 = x.dim(2);
        long n2 = x.dim(3);
        Tensor t = ops.reshape(x, -1, c, alpha, alpha, n1, n2); // [B, c, p1, p2, n1, n2]
        t = ops.permute(t, 0, 1, 4, 2, 5, 3); // [B, c, n1, p1, n2, p2]
        return ops.reshape(t, -1, c, n1 * alpha, n2 * alpha); // [B, c, H, W]
    }

    /**
     * Every token as its own image, {@code b n (c h w) -> (b n) c h w}: {@code [B, N, c·h·w]} to
     * {@code [B*N, c, h, w]} (a pure reshape).
     */
    public static Tensor tokensAsImages(Ops ops, Tensor tokens, long c, long h, long w) {
        expectTokens(ops, tokens, c, h, w);
        return ops.reshape(tokens, -1, c, h, w); // [B*N, c, h, w]
    }

    /**
     * Checks that {@code tokens} is {@code [B, N, c·h·w]}, or {@code [B*k, N, c·h·w]} (windows of a sample, as in
     * Swin), and names the expected structure otherwise.
     */
    public static void expectTokens(Ops ops, Tensor tokens, long c, long h, long w) {
        if (tokens.rank() != 3 || tokens.dim(0) >= 0 || tokens.dim(2) != c * h * w) {
            throw ops.mismatch("tokens: expected shape [B, N, " + c * h * w + "] (c=" + c + ", h=" + h + ", w=" + w
                    + ") but got " + tokens.shapeString());
        }
    }

    /** The inverse of {@link #tokensAsImages}: {@code (b n) c h w -> b n (c h w)}, {@code n} tokens per sample. */
    public static Tensor imagesAsTokens(Ops ops, Tensor images, long n) {
        long chw = images.dim(1) * images.dim(2) * images.dim(3);
        return ops.reshape(images, -1, n, chw); // [B, N, c*h*w]
    }

    /**
     * The tokens of each structure channel as one image whose channels are the tokens,
     * {@code b n (c h w) -> (b c) n h w}: {@code [B, N, c·h·w]} to {@code [B*c, N, h, w]}. SWAT's MLP-Mixer and ResMLP
     * mix tokens with convolutions over this view.
     */
    public static Tensor tokensAsChannelStacks(Ops ops, Tensor tokens, long c, long h, long w) {
        expectTokens(ops, tokens, c, h, w);
        long n = tokens.dim(1);
        Tensor t = ops.reshape(tokens, -1, n, c, h, w); // [B, N, c, h, w]
        t = ops.permute(t, 0, 2, 1, 3, 4); // [B, c, N, h, w]
        return ops.reshape(t, -1, n, h, w); // [B*c, N, h, w]
    }

    /** The inverse of {@link #tokensAsChannelStacks}: {@code (b c) n h w -> b n (c h w)}. */
    public static Tensor channelStacksAsTokens(Ops ops, Tensor stacks, long c) {
        long n = stacks.dim(1);
        long h = stacks.dim(2);
        long w = stacks.dim(3);
        Tensor t = ops.reshape(stacks, -1, c, n, h, w); // [B, c, N, h, w]
        t = ops.permute(t, 0, 2, 1, 3, 4); // [B, N, c, h, w]
        return ops.reshape(t, -1, n, c * h * w); // [B, N, c*h*w]
    }

    /**
     * Tokens of an {@code H x W} grid back to the full-resolution pixel grid, channels last,
     * {@code b (H W) (c h w) -> b (H h) (W w) c}: {@code [B, H·W, c·h·w]} to {@code [B, H·h, W·w, c]}.
     */
    public static Tensor tokensToPixels(Ops ops, Tensor tokens, long gh, long gw, long c, long h, long w) {
        ops.expectShape(tokens, "tokens [B, " + gh * gw + ", " + c * h * w + "]", -1, gh * gw, c * h * w);
        Tensor t = ops.reshape(tokens, -1, gh, gw, c, h, w); // [B, H, W, c, h, w]
        t = ops.permute(t, 0, 1, 4, 2, 5, 3); // [B, H, h, W, w, c]
        return ops.reshape(t, -1, gh * h, gw * w, c); // [B, H*h, W*w, c]
    }

    /**
     * An NCHW pixel map to tokens of {@code h x w} blocks, {@code b c (H h) (W w) -> b (H W) (c h w)}: space-to-depth
     * followed by flattening the grid.
     */
    public static Tensor pixelsToTokens(Ops ops, Tensor x, int alpha) {
        return TokenGrid.toTokens(ops, spaceToDepth(ops, x, alpha));
    }
}
