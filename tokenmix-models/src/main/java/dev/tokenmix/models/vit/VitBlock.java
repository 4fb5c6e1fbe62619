package dev.tokenmix.models.vit;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Activation;
import dev.tokenmix.core.nn.Attention;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.Mlp;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * timm's pre-norm transformer {@code Block}: {@code x + DropPath(attn(norm1(x)))}, then
 * {@code x + DropPath(mlp(norm2(x)))}. Keys {@code norm1}, {@code attn.qkv}, {@code attn.proj}, {@code norm2},
 * {@code mlp.fc1}, {@code mlp.fc2}.
 */
public final class VitBlock extends Module {
    private final LayerNorm norm1;
    private final Attention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final DropPath dropPath1;
    private final DropPath dropPath2;

    public VitBlock(Scope scope, VitConfig cfg, double dropRate, double dropPathRate) {
        super(scope);
        Init w = Init.truncNormal(0.02);
        this.norm1 = new LayerNorm(scope.child("norm1"), cfg.embedDim(), cfg.normEps());
        this.attn = new Attention(scope.child("attn"), cfg.embedDim(), cfg.numHeads(), cfg.qkvBias(), 0.0, dropRate, w);
        this.norm2 = new LayerNorm(scope.child("norm2"), cfg.embedDim(), cfg.normEps());
        long hidden = (long) (cfg.embedDim() * cfg.mlpRatio());
        this.mlp = new Mlp(scope.child("mlp"), cfg.embedDim(), hidden, cfg.embedDim(), Activation.GELU, dropRate, w,
                Init.zeros());
        this.dropPath1 = new DropPath(scope.child("drop_path1"), dropPathRate);
        this.dropPath2 = new DropPath(scope.child("drop_path2"), dropPathRate);
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        x = ops.add(x, dropPath1.apply(ops, attn.apply(ops, norm1.apply(ops, x))));
        return ops.add(x, dropPath2.apply(ops, mlp.apply(ops, norm2.apply(ops, x))));
    }
}
