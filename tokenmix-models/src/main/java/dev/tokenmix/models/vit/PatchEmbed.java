package dev.tokenmix.models.vit;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * timm's {@code PatchEmbed}: a {@code p x p} convolution with stride {@code p}, flattened to tokens
 * {@code [B, N, D]}, computed as one product of the non-overlapping patches ({@link Conv2d#applyToPatches}). Like
 * timm's default ({@code strict_img_size}), the input must be the configured size.
 */
public final class PatchEmbed extends Module {
    private final Conv2d proj;
    private final int imgSize;

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
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        if (x.rank() == 4 && (x.dim(2) != imgSize || x.dim(3) != imgSize)) {
            throw ops.mismatch("expected a " + imgSize + "x" + imgSize + " input but got " + x.dim(2) + "x" + x.dim(3)
                    + " (input " + x.shapeString() + "); create the model with imgSize=" + x.dim(2)
                    + " for another resolution");
        }
        return proj.applyToPatches(ops, x); // [B, N, D], N = (H/p)(W/p) in row-major order
    }
}
