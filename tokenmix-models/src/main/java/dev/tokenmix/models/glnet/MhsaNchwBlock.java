package dev.tokenmix.models.glnet;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.glmix.ChannelScale;
import dev.tokenmix.core.mixers.glmix.GlmixMixer;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.LayerNorm2d;
import dev.tokenmix.core.nn.LayerScale;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.nn.MultiheadAttention;
import dev.tokenmix.core.nn.TokenGrid;
import dev.tokenmix.core.params.Scope;

/**
 * GLNet's global multi-head self-attention block on NCHW maps (the official {@code MHSA_NCHW_Block}, arXiv
 * 2411.14429): {@code x + DWConv3x3(x)}, then {@code T + DropPath(LS1 MHA(LN T))} on the tokens {@code T [B, HW, C]},
 * then {@code x + DropPath(LS2 FFN(LN2d x))}. {@code ls1.gamma} is {@code [C]}, {@code ls2.gamma} {@code [1, C, 1, 1]}.
 * Everything between the NCHW ends runs channels-last ({@link ConvFfn} says why).
 */
public final class MhsaNchwBlock extends Module {
    private final Conv2d posConv;
    private final LayerNorm norm1;
    private final MultiheadAttention mha;
    private final LayerNorm2d norm2;
    private final ConvFfn mlp;
    private final LayerScale ls1;
    private final ChannelScale ls2;
    private final DropPath dropPath;

    public MhsaNchwBlock(Scope scope, GlnetConfig cfg, int dim, double dropPathRate) {
        super(scope);
        this.posConv = cfg.cpe() ? Conv2d.builder(scope.child("pos_conv"), dim, dim, 3).padding(1).groups(dim).build() : null;
        this.norm1 = new LayerNorm(scope.child("norm1"), dim, GlnetConfig.LN_EPS);
        this.mha = new MultiheadAttention(scope.child("mha_op"), dim, dim / GlnetConfig.HEAD_DIM, 0.0);
        this.norm2 = new LayerNorm2d(scope.child("norm2"), dim, GlnetConfig.LN_EPS);
        this.mlp = new ConvFfn(scope.child("mlp"), dim, Math.round(dim * cfg.mlpRatio()), cfg.mlpDw());
        this.ls1 = cfg.layerScale() > 0 ? new LayerScale(scope.child("ls1"), dim, cfg.layerScale()) : null;
        this.ls2 = cfg.layerScale() > 0 ? new ChannelScale(scope.child("ls2"), dim, cfg.layerScale()) : null;
        this.dropPath = dropPathRate > 0 ? new DropPath(scope.child("drop_path"), dropPathRate) : null;
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        ops.expectShape(x, "MHSA block input [B, C, H, W]", -1, Ops.ANY, Ops.ANY, Ops.ANY);
        long h = x.dim(2);
        long w = x.dim(3);
        long c = x.dim(1);
        // channels-last between the NCHW ends: the tokens are views, and the convolutions are faster there
        Tensor m = TokenGrid.toChannelsLast(ops, x); // [B, H, W, C]
        if (posConv != null) {
            m = ops.add(m, posConv.applyChannelsLast(ops, m));
        }
        Tensor t = ops.reshape(m, -1, h * w, c); // [B, HW, C]
        t = GlmixMixer.fuse(ops, t, mha.apply(ops, norm1.apply(ops, t)), ls1, dropPath);
        m = ops.reshape(t, -1, h, w, c); // [B, H, W, C]
        m = GlmixMixer.fuseChannelsLast(ops, m, mlp.apply(ops, norm2.applyChannelsLast(ops, m)), ls2, dropPath);
        return TokenGrid.fromChannelsLast(ops, m); // [B, C, H, W]
    }
}
