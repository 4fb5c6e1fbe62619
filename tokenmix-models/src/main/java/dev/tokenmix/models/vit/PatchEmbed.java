package dev.tokenmix.models.vit;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * timm's {@code PatchEmbed}: a {@code p x p} convolution with stride {@code p}, flattened to tokens
 * {@code [B, N, D]}. Like timm's default ({@code strict_img_size}), the input must be the configured size.
 */
public final class PatchEmbed extends Module {
    private final Conv2d proj;
    private final int imgSize;
    private final int patchSize;
    private final long dim;

    public PatchEmbed(Scope scope, int imgSize, int patchSize, int inChans, long dim) {
        this(scope, imgSize, patchSize, inChans, dim, null, null);
    }

    /** With the projection's weight and bias initialisers (null keeps PyTorch's default; timm's Mixer uses LeCun normal). */
    public PatchEmbed(Scope scope, int imgSize, int patchSize, int inChans, long dim, Init weightInit, Init biasInit) {
        super(scope);
        Conv2d.Builder b = Conv2d.builder(scope.child("proj"), inChans, dim, patchSize).stride(patchSize);
        if (weightInit != null) {
            b.weightInit(weightInit);
        }
        if (biasInit != null) {
            b.biasInit(biasInit);
        }
        this.proj = b.build();
        this.imgSize = imgSize;
        this.patchSize = patchSize;
        this.dim = dim;
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        if (x.rank() == 4 && (x.dim(2) != imgSize || x.dim(3) != imgSize)) {
            throw ops.mismatch("expected a " + imgSize + "x" + imgSize + " input but got " + x.dim(2) + "x" + x.dim(3)
                    + " (input " + x.shapeString() + "); create the model with imgSize=" + x.dim(2)
                    + " for another resolution");
        }
        Tensor y = proj.apply(ops, x); // [B, D, H/p, W/p]
        long n = (long) (imgSize / patchSize) * (imgSize / patchSize);
        return ops.permute(ops.reshape(y, -1, dim, n), 0, 2, 1); // [B, D, N] -> [B, N, D]
    }
}
