package dev.tokenmix.models.swat;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.swat.SpatialConvMlp;
import dev.tokenmix.core.mixers.swat.TokenStructure;
import dev.tokenmix.core.nn.Activation;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.nn.TokenGrid;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * SWAT's MLP-Mixer block (the official {@code MixerBlockConv}). Token mixing sees each structure channel of all
 * {@code N} tokens as one {@code N x α x α} image ({@link TokenStructure#tokensAsChannelStacks}) and mixes the tokens
 * with 1x1 convolutions around a depthwise {@code k x k} convolution within the token images; channel mixing is a
 * convolutional MLP over the token grid. Keys {@code norm1}, {@code mlp_tokens.fc1/fc3/fc2}, {@code norm2},
 * {@code mlp_channels.fc1/fc3/fc2}.
 */
public final class SwatMixerBlock extends Module {
    private final LayerNorm norm1;
    private final SpatialConvMlp mlpTokens;
    private final DropPath dropPath;
    private final LayerNorm norm2;
    private final SpatialConvMlp mlpChannels;
    private final SwatConfig cfg;

    /** The official Mixer initialisation: LeCun-normal convolution weights, zero biases. */
    public SwatMixerBlock(Scope scope, SwatConfig cfg, long tokens, double dropRate, double dropPathRate) {
        super(scope);
        int d = cfg.embedDim();
        this.cfg = cfg;
        this.norm1 = new LayerNorm(scope.child("norm1"), d, 1e-6);
        this.mlpTokens = new SpatialConvMlp(scope.child("mlp_tokens"), tokens, cfg.tokensDim(), tokens, cfg.mixKernel(),
                cfg.tokensDim(), Activation.GELU, dropRate, Init.lecunNormal(), Init.zeros());
        this.dropPath = new DropPath(scope.child("drop_path"), dropPathRate);
        this.norm2 = new LayerNorm(scope.child("norm2"), d, 1e-6);
        this.mlpChannels = new SpatialConvMlp(scope.child("mlp_channels"), d, cfg.hiddenDim(), d, cfg.gridKernel(),
                cfg.hiddenDim(), Activation.GELU, dropRate, Init.lecunNormal(), Init.zeros());
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        long c = cfg.structureChannels();
        int a = cfg.alpha();
        Tensor t = TokenStructure.tokensAsChannelStacks(ops, norm1.apply(ops, x), c, a, a); // [B*c, N, α, α]
        t = TokenStructure.channelStacksAsTokens(ops, mlpTokens.apply(ops, t), c); // [B, N, C]
        x = ops.add(x, dropPath.apply(ops, t));
        int g = cfg.gridSize();
        Tensor m = mlpChannels.apply(ops, TokenGrid.toGrid(ops, norm2.apply(ops, x), g, g)); // [B, C, H, W]
        return ops.add(x, dropPath.apply(ops, TokenGrid.toTokens(ops, m)));
    }
}
