package dev.tokenmix.models.resmlp;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Activation;
import dev.tokenmix.core.nn.Affine;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerScale;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.Mlp;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * timm's ResMLP {@code ResBlock}: {@code x + ls1 * linear_tokens(norm1(x)ᵀ)ᵀ}, then
 * {@code x + ls2 * mlp_channels(norm2(x))}, with {@link Affine} norms and LayerScale. Keys {@code ls1}, {@code ls2},
 * {@code norm1.alpha/beta}, {@code linear_tokens}, {@code norm2.alpha/beta}, {@code mlp_channels.fc1/fc2}.
 */
public final class ResMlpBlock extends Module {
    private final LayerScale ls1;
    private final LayerScale ls2;
    private final Affine norm1;
    private final Linear linearTokens;
    private final Affine norm2;
    private final Mlp mlpChannels;
    private final DropPath dropPath;

    /** timm's initialisation: xavier-uniform weights, token bias 0, MLP biases Normal(0, 1e-6). */
    public ResMlpBlock(Scope scope, ResMlpConfig cfg, long tokens, double dropRate, double dropPathRate) {
        super(scope);
        long d = cfg.embedDim();
        this.ls1 = new LayerScale(scope, "ls1", d, cfg.initValues(), -1);
        this.ls2 = new LayerScale(scope, "ls2", d, cfg.initValues(), -1);
        this.norm1 = new Affine(scope.child("norm1"), d);
        this.linearTokens = new Linear(scope.child("linear_tokens"), tokens, tokens, true, Init.xavierUniform(), Init.zeros());
        this.norm2 = new Affine(scope.child("norm2"), d);
        this.mlpChannels = new Mlp(scope.child("mlp_channels"), d, (long) (d * cfg.mlpRatio()), d, Activation.GELU,
                dropRate, Init.xavierUniform(), Init.normal(1e-6));
        this.dropPath = new DropPath(scope.child("drop_path"), dropPathRate);
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        Tensor t = ops.transpose(norm1.apply(ops, x), 1, 2); // [B, N, C] -> [B, C, N]
        t = ops.transpose(linearTokens.apply(ops, t), 1, 2); // [B, C, N] -> [B, N, C]
        x = ops.add(x, dropPath.apply(ops, ls1.apply(ops, t)));
        return ops.add(x, dropPath.apply(ops, ls2.apply(ops, mlpChannels.apply(ops, norm2.apply(ops, x)))));
    }
}
