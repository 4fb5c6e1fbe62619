package dev.tokenmix.models.mixer;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Activation;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.Mlp;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * timm's {@code MixerBlock}: {@code x + mlp_tokens(norm1(x)ᵀ)ᵀ} mixes the {@code N} tokens of every channel, then
 * {@code x + mlp_channels(norm2(x))} mixes the channels of every token. Keys {@code norm1}, {@code mlp_tokens.fc1/fc2},
 * {@code norm2}, {@code mlp_channels.fc1/fc2}.
 */
public final class MixerBlock extends Module {
    private final LayerNorm norm1;
    private final Mlp mlpTokens;
    private final LayerNorm norm2;
    private final Mlp mlpChannels;
    private final DropPath dropPath;

    /** timm's initialisation: xavier-uniform weights, biases Normal(0, 1e-6). */
    public MixerBlock(Scope scope, MixerConfig cfg, long tokens, double dropRate, double dropPathRate) {
        super(scope);
        Init w = Init.xavierUniform();
        Init b = Init.normal(1e-6);
        this.norm1 = new LayerNorm(scope.child("norm1"), cfg.embedDim(), cfg.normEps());
        this.mlpTokens = new Mlp(scope.child("mlp_tokens"), tokens, cfg.tokensDim(), tokens, Activation.GELU, dropRate, w, b);
        this.norm2 = new LayerNorm(scope.child("norm2"), cfg.embedDim(), cfg.normEps());
        this.mlpChannels = new Mlp(scope.child("mlp_channels"), cfg.embedDim(), cfg.channelsDim(), cfg.embedDim(),
                Activation.GELU, dropRate, w, b);
        this.dropPath = new DropPath(scope.child("drop_path"), dropPathRate);
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        Tensor t = ops.transpose(norm1.apply(ops, x), 1, 2); // [B, N, C] -> [B, C, N]
        x = ops.add(x, dropPath.apply(ops, ops.transpose(mlpTokens.apply(ops, t), 1, 2)));
        return ops.add(x, dropPath.apply(ops, mlpChannels.apply(ops, norm2.apply(ops, x))));
    }
}
