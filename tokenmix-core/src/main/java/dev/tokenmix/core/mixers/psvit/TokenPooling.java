package dev.tokenmix.core.mixers.psvit;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.nn.TokenGrid;
import dev.tokenmix.core.params.Scope;

/**
 * PSViT's token pooling (<a href="https://arxiv.org/abs/2108.03428">arXiv 2108.03428</a>): the patch tokens
 * {@code [B, (1+)H·W, C]} of an {@code H x W} grid are laid out as a {@code [B, C, H, W]} map, pooled with a
 * {@code k x k} window and stride {@code s} (padding {@code (k-1)/2}, floor mode), and flattened back, so the next
 * layers see {@code H'·W'} tokens with {@code H' = floor((H + 2·((k-1)/2) - k) / s) + 1}. The width stays {@code C},
 * so a class token at index 0, if there is one, passes through untouched.
 *
 * <p>Use it between transformer blocks to trade tokens (spatial detail) for depth, as PSViT does; the
 * {@link PoolingKind} picks average, max, or a learned strided depthwise convolution ({@code conv.weight},
 * {@code conv.bias}).
 */
public final class TokenPooling extends Module {
    private final long dim;
    private final PoolingKind kind;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final boolean classToken;
    private final Conv2d conv;

    /** The pooled tokens and their grid. */
    public record Output(Tensor tokens, long h, long w) {
    }

    /**
     * @param dim token width {@code C}
     * @param kind average, max or strided depthwise convolution
     * @param kernel window side {@code k}
     * @param stride stride {@code s} (2 halves each side)
     * @param classToken whether index 0 of the tokens is a class token that is not part of the grid
     */
    public TokenPooling(Scope scope, long dim, PoolingKind kind, int kernel, int stride, boolean classToken) {
        super(scope);
        if (dim <= 0 || kind == null || kernel < 1 || stride < 1 || kernel < stride) {
            throw new IllegalArgumentException("TokenPooling " + scope.prefix() + ": need dim > 0, a kind, and "
                    + "kernel >= stride >= 1 (so every token is covered), got dim=" + dim + ", kind=" + kind
                    + ", kernel=" + kernel + ", stride=" + stride);
        }
        this.dim = dim;
        this.kind = kind;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = (kernel - 1) / 2;
        this.classToken = classToken;
        // PyTorch's default convolution initialisation, as PiT's pooling convolution: a 0.02-std kernel would shrink
        // the pooled tokens about twentyfold against the class token and the next blocks' residual branches.
        this.conv = kind == PoolingKind.CONV
                ? Conv2d.builder(scope.child("conv"), dim, dim, kernel).stride(stride).padding(padding).groups((int) dim)
                        .build()
                : null;
    }

    /** Grid side after pooling a side of {@code n} tokens. */
    public static long outputSide(long n, int kernel, int stride) {
        return (n + 2L * ((kernel - 1) / 2) - kernel) / stride + 1;
    }

    /** Grid side after this pooling. */
    public long outputSide(long n) {
        return outputSide(n, kernel, stride);
    }

    public PoolingKind kind() {
        return kind;
    }

    /** Pools tokens {@code x} of an {@code h x w} grid (plus the class token, if configured). */
    public Output apply(Ops ops, Tensor x, long h, long w) {
        return call(ops, () -> pool(ops, x, h, w), Output::tokens);
    }

    /** On a square grid. */
    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        long n = x.dim(1) - (classToken ? 1 : 0);
        long s = Math.round(Math.sqrt((double) Math.max(n, 0)));
        if (s * s != n) {
            throw ops.mismatch("tokens " + x.shapeString() + " are not a square grid; call apply(ops, x, h, w)");
        }
        return pool(ops, x, s, s).tokens();
    }

    private Output pool(Ops ops, Tensor x, long h, long w) {
        long prefix = classToken ? 1 : 0;
        ops.expectShape(x, "tokens [B, " + (prefix > 0 ? "1+" : "") + h + "*" + w + ", " + dim + "]", -1,
                prefix + h * w, dim);
        Tensor patches = prefix > 0 ? ops.slice(x, 1, 1, prefix + h * w) : x; // [B, H*W, C]
        Tensor map = TokenGrid.toGrid(ops, patches, h, w); // [B, H*W, C] -> [B, C, H, W]
        int[] k = {kernel, kernel};
        int[] s = {stride, stride};
        int[] p = {padding, padding};
        Tensor pooled = switch (kind) {
            case AVG -> ops.avgPool2d(map, k, s, p, false);
            case MAX -> ops.maxPool2d(map, k, s, p);
            case CONV -> conv.apply(ops, map);
        }; // [B, C, H', W']
        long oh = pooled.dim(2);
        long ow = pooled.dim(3);
        Tensor tokens = ops.permute(ops.reshape(pooled, -1, dim, oh * ow), 0, 2, 1); // [B, C, H'W'] -> [B, H'W', C]
        if (prefix > 0) {
            tokens = ops.concat(1, ops.slice(x, 1, 0, 1), tokens); // class token first, unchanged
        }
        return new Output(tokens, oh, ow);
    }
}
