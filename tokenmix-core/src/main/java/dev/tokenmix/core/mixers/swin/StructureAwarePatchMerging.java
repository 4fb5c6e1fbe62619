package dev.tokenmix.core.mixers.swin;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.swat.TokenStructure;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Scope;

/**
 * SWAT's structure-aware patch merging for Swin (<a href="https://arxiv.org/abs/2111.13677">arXiv 2111.13677</a>,
 * the official {@code PatchMerging} of SWAT's {@code swin_transformer.py}). A SWAT token of an {@code H x W} grid is a
 * {@code c x h x w} image, so the tokens together describe one {@code c}-channel map of {@code H·h x W·w} pixels. The
 * merging convolves that map and regroups it, instead of concatenating 2x2 tokens:
 *
 * <pre>
 * p = pixels(x)                 [B, H·W, c·h·w] -> [B, H·h, W·w, c]
 * p = conv_k(LayerNorm_c(p))    c -> c/2 channels, stride 1, no bias: the pixel grid keeps its size
 * y = tokens(p, 2h x 2w)        [B, H/2·W/2, (c/2)·2h·2w] = [B, H/2·W/2, 2C]
 * </pre>
 *
 * Keys {@code reduction.weight [c/2, c, k, k]} and {@code norm [c]} (official order). Use it between the stages of a
 * SWAT Swin.
 */
public final class StructureAwarePatchMerging extends Module {
    private final Conv2d reduction;
    private final LayerNorm norm;
    private final long gh;
    private final long gw;
    private final long c;
    private final int h;
    private final int w;

    /**
     * @param gh rows of the input token grid (even)
     * @param gw columns of the input token grid (even)
     * @param c structure channels of an input token (even)
     * @param h rows of a token's image; tokens must be square ({@code h == w}) as in SWAT
     * @param w columns of a token's image
     * @param kernel odd kernel of the reduction convolution
     * @param eps the LayerNorm's epsilon
     */
    public StructureAwarePatchMerging(Scope scope, long gh, long gw, long c, int h, int w, int kernel, double eps) {
        super(scope);
        String where = "StructureAwarePatchMerging " + scope.prefix() + ": ";
        if (gh <= 0 || gw <= 0 || gh % 2 != 0 || gw % 2 != 0) {
            throw new IllegalArgumentException(where + "the token grid " + gh + "x" + gw + " must have even sides");
        }
        if (c < 2 || c % 2 != 0 || h <= 0 || h != w) {
            throw new IllegalArgumentException(where + "tokens must be c x h x h images with even c, got c=" + c + ", h="
                    + h + ", w=" + w);
        }
        if (kernel <= 0 || kernel % 2 == 0) {
            throw new IllegalArgumentException(where + "kernel must be odd and positive, got " + kernel);
        }
        this.gh = gh;
        this.gw = gw;
        this.c = c;
        this.h = h;
        this.w = w;
        this.reduction = Conv2d.builder(scope.child("reduction"), c, c / 2, kernel).padding(kernel / 2).bias(false).build();
        this.norm = new LayerNorm(scope.child("norm"), c, eps);
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        Tensor p = TokenStructure.tokensToPixels(ops, x, gh, gw, c, h, w); // [B, H*h, W*w, c]
        p = ops.permute(norm.apply(ops, p), 0, 3, 1, 2); // [B, c, H*h, W*w]
        return TokenStructure.pixelsToTokens(ops, reduction.apply(ops, p), 2 * h); // [B, H/2*W/2, (c/2)*2h*2w]
    }
}
