package dev.tokenmix.models.stt;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.stt.SuperTokenGlobalMixing;
import dev.tokenmix.core.mixers.stt.SuperTokenWindowAttention;
import dev.tokenmix.core.nn.Activation;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.Mlp;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * An STT local layer on windows {@code [B·nW, 1 + M², C]} (each a super token and its window's patches):
 *
 * <pre>
 * x = x + DropPath(window attention(norm1(x)))       patches and their super token, per window
 * x = global mixing of the super tokens of x           s = s + DropPath(mix(norm(s))), patches untouched
 * x = x + DropPath(mlp(norm2(x)))                      every token
 * </pre>
 *
 * Keys {@code norm1}, {@code attn.qkv}, {@code attn.proj}, {@code global.*}, {@code norm2}, {@code mlp.fc1},
 * {@code mlp.fc2}.
 */
public final class SttLocalBlock extends Module {
    private final LayerNorm norm1;
    private final SuperTokenWindowAttention attn;
    private final SuperTokenGlobalMixing global;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final DropPath dropPath1;
    private final DropPath dropPath2;

    public SttLocalBlock(Scope scope, SttConfig cfg, double dropRate, double dropPathRate) {
        super(scope);
        Init w = Init.truncNormal(0.02);
        long d = cfg.embedDim();
        this.norm1 = new LayerNorm(scope.child("norm1"), d, cfg.normEps());
        this.attn = new SuperTokenWindowAttention(scope.child("attn"), d, cfg.numHeads(), cfg.window(), cfg.qkvBias(), 0,
                dropRate, w);
        this.global = new SuperTokenGlobalMixing(scope.child("global"), d, cfg.numHeads(), cfg.windowGrid(),
                cfg.windowGrid(), cfg.globalMix(), cfg.mixKernel(), cfg.qkvBias(), cfg.normEps(), dropRate, dropPathRate);
        this.norm2 = new LayerNorm(scope.child("norm2"), d, cfg.normEps());
        this.mlp = new Mlp(scope.child("mlp"), d, (long) (d * cfg.mlpRatio()), d, Activation.GELU, dropRate, w,
                Init.zeros());
        this.dropPath1 = new DropPath(scope.child("drop_path1"), dropPathRate);
        this.dropPath2 = new DropPath(scope.child("drop_path2"), dropPathRate);
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        x = ops.add(x, dropPath1.apply(ops, attn.apply(ops, norm1.apply(ops, x))));
        x = global.apply(ops, x);
        return ops.add(x, dropPath2.apply(ops, mlp.apply(ops, norm2.apply(ops, x))));
    }
}
