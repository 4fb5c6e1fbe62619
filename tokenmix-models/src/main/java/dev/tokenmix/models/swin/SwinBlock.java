package dev.tokenmix.models.swin;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.swat.SpatialConvMlp;
import dev.tokenmix.core.mixers.swat.StructureAwareAttention;
import dev.tokenmix.core.mixers.swin.RelativePositionBias;
import dev.tokenmix.core.mixers.swin.ShiftedWindows;
import dev.tokenmix.core.mixers.swin.WindowAttention;
import dev.tokenmix.core.nn.Activation;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.Mlp;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.nn.TokenGrid;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * timm 0.4.13's {@code SwinTransformerBlock} on tokens {@code [B, H*W, C]}: {@code x + DropPath(W-MSA(norm1(x)))} with
 * regular windows (even blocks) or cyclically shifted windows and the shift mask (odd blocks), then
 * {@code x + DropPath(mlp(norm2(x)))}. A stage whose grid fits in one window uses it unshifted.
 *
 * <p>In SWAT Swin the unshifted blocks use the structure-aware attention (with the relative position bias), shifted
 * blocks keep the plain window attention, and every MLP is the convolutional {@link SpatialConvMlp} over the token
 * grid. Keys {@code attn_mask} (buffer, shifted blocks), {@code norm1}, {@code attn.*}, {@code norm2}, {@code mlp.*}.
 */
public final class SwinBlock extends Module {
    private final long h;
    private final long w;
    private final long dim;
    private final int window;
    private final int shift;
    private final String mask;
    private final LayerNorm norm1;
    private final WindowAttention attn;
    private final RelativePositionBias structureBias;
    private final StructureAwareAttention structureAttn;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final SpatialConvMlp convMlp;
    private final DropPath dropPath;

    /**
     * @param stage index of the stage (SWAT's kernels and token structure depend on it)
     * @param index index of the block in its stage (odd blocks shift)
     * @param grid side of the stage's token grid
     */
    public SwinBlock(Scope scope, SwinConfig cfg, int stage, int index, int grid, double dropRate, double dropPathRate) {
        super(scope);
        this.h = grid;
        this.w = grid;
        this.dim = cfg.dim(stage);
        int ws = cfg.windowSize();
        int sh = index % 2 == 1 ? ws / 2 : 0;
        if (grid <= ws) {
            ws = grid;
            sh = 0;
        }
        this.window = ws;
        this.shift = sh;
        // the official block registers its mask buffer before its sub-modules, so it comes first in the state_dict
        this.mask = sh > 0 ? ShiftedWindows.registerMask(scope, grid, grid, ws, sh) : null;
        Init trunc = Init.truncNormal(0.02);
        long heads = cfg.numHeads()[stage];
        this.norm1 = new LayerNorm(scope.child("norm1"), dim, SwinConfig.NORM_EPS);
        SwatSwinSettings swat = cfg.swat();
        if (swat != null && sh == 0) {
            long c = cfg.structureChannels(stage);
            int side = cfg.structureSide(stage);
            this.structureBias = new RelativePositionBias(scope.child("attn"), ws, ws, heads);
            this.structureAttn = new StructureAwareAttention(scope.child("attn"), dim, heads, c, side, side,
                    swat.attnKernels()[stage], cfg.qkvBias(), 0.0, dropRate, trunc);
            this.attn = null;
        } else {
            this.attn = new WindowAttention(scope.child("attn"), dim, ws, heads, cfg.qkvBias(), 0.0, dropRate, trunc);
            this.structureBias = null;
            this.structureAttn = null;
        }
        this.norm2 = new LayerNorm(scope.child("norm2"), dim, SwinConfig.NORM_EPS);
        long hidden = (long) (dim * cfg.mlpRatio());
        if (swat != null) {
            // the official code leaves the MLP's convolutions at PyTorch's default initialisation
            this.convMlp = new SpatialConvMlp(scope.child("mlp"), dim, hidden, dim, swat.mlpKernels()[stage], (int) hidden,
                    Activation.GELU, dropRate, null, null);
            this.mlp = null;
        } else {
            this.mlp = new Mlp(scope.child("mlp"), dim, hidden, dim, Activation.GELU, dropRate, trunc, Init.zeros());
            this.convMlp = null;
        }
        this.dropPath = new DropPath(scope.child("drop_path"), dropPathRate);
    }

    /** Whether this block attends in shifted windows. */
    public boolean shifted() {
        return shift > 0;
    }

    /** Whether this block uses SWAT's structure-aware attention. */
    public boolean structureAware() {
        return structureAttn != null;
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        ops.expectShape(x, "Swin block input [B, " + h * w + ", " + dim + "]", -1, h * w, dim);
        Tensor map = ops.reshape(norm1.apply(ops, x), -1, h, w, dim); // [B, H, W, C]
        Tensor windows = ShiftedWindows.partition(ops, map, window, shift); // [B*nW, ws*ws, C]
        Tensor o = attn != null ? attn.apply(ops, windows, mask == null ? null : ops.param(mask))
                : structureAttn.apply(ops, windows, structureBias.bias(ops));
        Tensor y = ops.reshape(ShiftedWindows.merge(ops, o, window, shift, h, w), -1, h * w, dim); // [B, H*W, C]
        x = ops.add(x, dropPath.apply(ops, y));
        Tensor z = norm2.apply(ops, x);
        if (convMlp != null) {
            z = TokenGrid.toTokens(ops, convMlp.apply(ops, TokenGrid.toGrid(ops, z, h, w)));
        } else {
            z = mlp.apply(ops, z);
        }
        return ops.add(x, dropPath.apply(ops, z));
    }
}
