package dev.tokenmix.models.glnet;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.glmix.GlmixMixer;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.nn.MultiheadAttention;
import dev.tokenmix.core.nn.TokenGrid;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * GLNet's plain pre-norm ViT block (the official {@code MHSA_Block}, stage 4 of the stl variants, arXiv
 * 2411.14429) on tokens, taking and returning NCHW maps: {@code T + DropPath(MHA(LN T))},
 * {@code T + DropPath(Linear(GELU(Linear(LN T))))} with keys {@code mlp.0}, {@code mlp.2}.
 */
public final class MhsaBlock extends Module {
    private final LayerNorm norm1;
    private final MultiheadAttention mha;
    private final LayerNorm norm2;
    private final Linear fc1;
    private final Linear fc2;
    private final DropPath dropPath;

    public MhsaBlock(Scope scope, GlnetConfig cfg, int dim, double dropPathRate) {
        super(scope);
        long hidden = Math.round(dim * cfg.mlpRatio());
        this.norm1 = new LayerNorm(scope.child("norm1"), dim, GlnetConfig.LN_EPS);
        this.mha = new MultiheadAttention(scope.child("mha_op"), dim, dim / GlnetConfig.HEAD_DIM, 0.0);
        this.norm2 = new LayerNorm(scope.child("norm2"), dim, GlnetConfig.LN_EPS);
        this.fc1 = new Linear(scope.child("mlp").child(0), dim, hidden, true, Init.truncNormal(0.02), Init.zeros());
        this.fc2 = new Linear(scope.child("mlp").child(2), hidden, dim, true, Init.truncNormal(0.02), Init.zeros());
        this.dropPath = dropPathRate > 0 ? new DropPath(scope.child("drop_path"), dropPathRate) : null;
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        ops.expectShape(x, "MHSA block input [B, C, H, W]", -1, Ops.ANY, Ops.ANY, Ops.ANY);
        Tensor t = TokenGrid.toTokens(ops, x); // [B, HW, C]
        t = GlmixMixer.fuse(ops, t, mha.apply(ops, norm1.apply(ops, t)), null, dropPath);
        Tensor m = fc2.apply(ops, ops.gelu(fc1.apply(ops, norm2.apply(ops, t))));
        t = GlmixMixer.fuse(ops, t, m, null, dropPath);
        return TokenGrid.toGrid(ops, t, x.dim(2), x.dim(3)); // [B, C, H, W]
    }
}
