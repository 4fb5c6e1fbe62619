package dev.tokenmix.core.mixers.swin;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * Swin's patch merging (arXiv 2103.14030, Sec. 3.1), the downsampling between stages: each 2x2 neighbourhood of the
 * {@code H x W} token grid is concatenated into one token of width 4C, in the official order
 * {@code [x(2i, 2j), x(2i+1, 2j), x(2i, 2j+1), x(2i+1, 2j+1)]}, normalised and projected to 2C without bias. Keys
 * {@code reduction.weight [2C, 4C]}, {@code norm [4C]} (official order). Tokens {@code [B, H*W, C]} to
 * {@code [B, H/2*W/2, 2C]}.
 */
public final class PatchMerging extends Module {
    private final Linear reduction;
    private final LayerNorm norm;
    private final long h;
    private final long w;
    private final long dim;

    /**
     * @param h rows of the input token grid (even)
     * @param w columns of the input token grid (even)
     * @param eps the LayerNorm's epsilon (PyTorch's default 1e-5 in Swin)
     */
    public PatchMerging(Scope scope, long h, long w, long dim, double eps, Init weightInit) {
        super(scope);
        if (h <= 0 || w <= 0 || h % 2 != 0 || w % 2 != 0 || dim <= 0) {
            throw new IllegalArgumentException("PatchMerging " + scope.prefix() + ": the grid " + h + "x" + w
                    + " must have even sides and dim " + dim + " must be positive");
        }
        this.h = h;
        this.w = w;
        this.dim = dim;
        this.reduction = new Linear(scope.child("reduction"), 4 * dim, 2 * dim, false, weightInit, Init.zeros());
        this.norm = new LayerNorm(scope.child("norm"), 4 * dim, eps);
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        ops.expectShape(x, "patch merging input [B, " + h * w + ", " + dim + "]", -1, h * w, dim);
        Tensor t = ops.reshape(x, -1, h / 2, 2, w / 2, 2, dim); // [B, H/2, dy, W/2, dx, C]
        t = ops.permute(t, 0, 1, 3, 4, 2, 5); // [B, H/2, W/2, dx, dy, C]: dy runs fastest, as the official concat
        t = ops.reshape(t, -1, (h / 2) * (w / 2), 4 * dim); // [B, H/2*W/2, 4C]
        return reduction.apply(ops, norm.apply(ops, t));
    }
}
