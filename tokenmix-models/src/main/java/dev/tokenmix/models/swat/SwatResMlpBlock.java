package dev.tokenmix.models.swat;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.swat.SpatialConvMlp;
import dev.tokenmix.core.mixers.swat.TokenStructure;
import dev.tokenmix.core.nn.Activation;
import dev.tokenmix.core.nn.Affine;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerScale;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.nn.TokenGrid;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * SWAT's ResMLP block (the official {@code ResBlockConv}): ResMLP's affine norms and LayerScale, with the token linear
 * layer replaced by a 1x1 convolution across tokens, GELU and a depthwise {@code k x k} convolution within the token
 * images of each structure channel, and the channel MLP by a convolutional MLP over the token grid. Keys {@code ls1},
 * {@code ls2}, {@code norm1.alpha/beta}, {@code linear_tokens1}, {@code linear_tokens2}, {@code norm2.alpha/beta},
 * {@code mlp_channels.fc1/fc3/fc2}.
 */
public final class SwatResMlpBlock extends Module {
    private final LayerScale ls1;
    private final LayerScale ls2;
    private final Affine norm1;
    private final Conv2d linearTokens1;
    private final Conv2d linearTokens2;
    private final DropPath dropPath;
    private final Affine norm2;
    private final SpatialConvMlp mlpChannels;
    private final SwatConfig cfg;

    /** The official initialisation: LeCun-normal convolution weights, zero biases. */
    public SwatResMlpBlock(Scope scope, SwatConfig cfg, long tokens, double dropRate, double dropPathRate) {
        super(scope);
        int d = cfg.embedDim();
        int k = cfg.mixKernel();
        this.cfg = cfg;
        this.ls1 = new LayerScale(scope, "ls1", d, cfg.layerScaleInit(), -1);
        this.ls2 = new LayerScale(scope, "ls2", d, cfg.layerScaleInit(), -1);
        this.norm1 = new Affine(scope.child("norm1"), d);
        this.linearTokens1 = Conv2d.builder(scope.child("linear_tokens1"), tokens, tokens, 1)
                .weightInit(Init.lecunNormal()).biasInit(Init.zeros()).build();
        this.linearTokens2 = Conv2d.builder(scope.child("linear_tokens2"), tokens, tokens, k).padding(k / 2)
                .groups((int) tokens).weightInit(Init.lecunNormal()).biasInit(Init.zeros()).build();
        this.dropPath = new DropPath(scope.child("drop_path"), dropPathRate);
        this.norm2 = new Affine(scope.child("norm2"), d);
        this.mlpChannels = new SpatialConvMlp(scope.child("mlp_channels"), d, cfg.hiddenDim(), d, cfg.gridKernel(),
                cfg.hiddenDim(), Activation.GELU, dropRate, Init.lecunNormal(), Init.zeros());
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        long c = cfg.structureChannels();
        int a = cfg.alpha();
        Tensor t = TokenStructure.tokensAsChannelStacks(ops, norm1.apply(ops, x), c, a, a); // [B*c, N, α, α]
        t = linearTokens2.apply(ops, ops.gelu(linearTokens1.apply(ops, t)));
        t = TokenStructure.channelStacksAsTokens(ops, t, c); // [B, N, C]
        x = ops.add(x, dropPath.apply(ops, ls1.apply(ops, t)));
        int g = cfg.gridSize();
        Tensor m = mlpChannels.apply(ops, TokenGrid.toGrid(ops, norm2.apply(ops, x), g, g)); // [B, C, H, W]
        return ops.add(x, dropPath.apply(ops, ls2.apply(ops, TokenGrid.toTokens(ops, m))));
    }
}
