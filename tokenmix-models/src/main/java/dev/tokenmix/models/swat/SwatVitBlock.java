package dev.tokenmix.models.swat;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.swat.SpatialConvMlp;
import dev.tokenmix.core.mixers.swat.StructureAwareAttention;
import dev.tokenmix.core.nn.Activation;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.nn.TokenGrid;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * SWAT's transformer block (the official {@code vision_transformer.Block}): structure-aware attention, then a
 * convolutional MLP over the token grid, both pre-norm with residuals:
 * {@code x + attn(norm1(x))}, {@code x + tokens(mlp(grid(norm2(x))))}. Keys {@code norm1}, {@code attn.qkv_linear},
 * {@code attn.qkv}, {@code attn.proj}, {@code attn.proj_linear}, {@code norm2}, {@code mlp.fc1/fc3/fc2}.
 */
public final class SwatVitBlock extends Module {
    private final LayerNorm norm1;
    private final StructureAwareAttention attn;
    private final DropPath dropPath;
    private final LayerNorm norm2;
    private final SpatialConvMlp mlp;
    private final int grid;

    public SwatVitBlock(Scope scope, SwatConfig cfg, double dropRate, double dropPathRate) {
        super(scope);
        int d = cfg.embedDim();
        this.norm1 = new LayerNorm(scope.child("norm1"), d, 1e-6);
        this.attn = new StructureAwareAttention(scope.child("attn"), d, cfg.numHeads(), cfg.structureChannels(),
                cfg.alpha(), cfg.alpha(), cfg.mixKernel(), true, 0.0, dropRate, Init.truncNormal(0.02));
        this.dropPath = new DropPath(scope.child("drop_path"), dropPathRate);
        this.norm2 = new LayerNorm(scope.child("norm2"), d, 1e-6);
        this.mlp = new SpatialConvMlp(scope.child("mlp"), d, cfg.hiddenDim(), d, cfg.gridKernel(), cfg.hiddenDim(),
                Activation.GELU, dropRate, null, null);
        this.grid = cfg.gridSize();
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        x = ops.add(x, dropPath.apply(ops, attn.apply(ops, norm1.apply(ops, x))));
        Tensor g = mlp.apply(ops, TokenGrid.toGrid(ops, norm2.apply(ops, x), grid, grid)); // [B, C, H, W]
        return ops.add(x, dropPath.apply(ops, TokenGrid.toTokens(ops, g)));
    }
}
