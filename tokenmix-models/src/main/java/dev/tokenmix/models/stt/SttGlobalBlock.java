package dev.tokenmix.models.stt;

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
 * An STT super-token layer: a pre-norm transformer block over the {@code nW} super tokens of an image (and the
 * class token, if any), {@code [B, (1+)nW, C]}; its cost does not depend on the number of patches ("most of the
 * learning is independent of the image patches (N) in the higher layers"). Keys as timm's block: {@code norm1},
 * {@code attn.qkv}, {@code attn.proj}, {@code norm2}, {@code mlp.fc1}, {@code mlp.fc2}.
 */
public final class SttGlobalBlock extends Module {
    private final LayerNorm norm1;
    private final Attention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final DropPath dropPath1;
    private final DropPath dropPath2;

    public SttGlobalBlock(Scope scope, SttConfig cfg, double dropRate, double dropPathRate) {
        super(scope);
        Init w = Init.truncNormal(0.02);
        long d = cfg.embedDim();
        this.norm1 = new LayerNorm(scope.child("norm1"), d, cfg.normEps());
        this.attn = new Attention(scope.child("attn"), d, cfg.numHeads(), cfg.qkvBias(), 0.0, dropRate, w);
        this.norm2 = new LayerNorm(scope.child("norm2"), d, cfg.normEps());
        this.mlp = new Mlp(scope.child("mlp"), d, (long) (d * cfg.mlpRatio()), d, Activation.GELU, dropRate, w,
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
