package dev.tokenmix.models.psvit;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.psvit.ShareableAttention;
import dev.tokenmix.core.nn.Activation;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.Mlp;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * A PSViT block: timm's pre-norm transformer block whose attention is a {@link ShareableAttention}, so the block
 * takes the previous block's attention map and hands its own on. Keys {@code norm1}, {@code attn.qkv} (or
 * {@code attn.v} when sharing), {@code attn.proj}, {@code norm2}, {@code mlp.fc1}, {@code mlp.fc2}.
 */
public final class PsvitBlock extends Module {
    private final LayerNorm norm1;
    private final ShareableAttention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final DropPath dropPath1;
    private final DropPath dropPath2;

    /** The block's output tokens and the attention map it used. */
    public record Output(Tensor tokens, Tensor attention) {
    }

    public PsvitBlock(Scope scope, PsvitConfig cfg, boolean reusesAttention, double dropRate, double dropPathRate) {
        super(scope);
        Init w = Init.truncNormal(0.02);
        long d = cfg.embedDim();
        this.norm1 = new LayerNorm(scope.child("norm1"), d, cfg.normEps());
        this.attn = new ShareableAttention(scope.child("attn"), d, cfg.numHeads(), reusesAttention, cfg.qkvBias(), 0.0,
                dropRate, w);
        this.norm2 = new LayerNorm(scope.child("norm2"), d, cfg.normEps());
        this.mlp = new Mlp(scope.child("mlp"), d, (long) (d * cfg.mlpRatio()), d, Activation.GELU, dropRate, w,
                Init.zeros());
        this.dropPath1 = new DropPath(scope.child("drop_path1"), dropPathRate);
        this.dropPath2 = new DropPath(scope.child("drop_path2"), dropPathRate);
    }

    /** Whether this block reuses the previous block's attention map. */
    public boolean reusesAttention() {
        return attn.reusesAttention();
    }

    /** Tokens {@code [B, N, C]} and the previous block's map (null unless this block reuses it). */
    public Output apply(Ops ops, Tensor x, Tensor previousAttention) {
        return call(ops, () -> block(ops, x, previousAttention), Output::tokens);
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        return block(ops, x, null).tokens();
    }

    private Output block(Ops ops, Tensor x, Tensor previous) {
        ShareableAttention.Output a = attn.apply(ops, norm1.apply(ops, x), previous);
        Tensor y = ops.add(x, dropPath1.apply(ops, a.out()));
        y = ops.add(y, dropPath2.apply(ops, mlp.apply(ops, norm2.apply(ops, y))));
        return new Output(y, a.attention());
    }
}
