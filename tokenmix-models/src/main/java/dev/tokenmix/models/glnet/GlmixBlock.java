package dev.tokenmix.models.glnet;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.glmix.ChannelScale;
import dev.tokenmix.core.mixers.glmix.GlmixMixer;
import dev.tokenmix.core.mixers.glmix.SoftClustering;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerNorm2d;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.nn.TokenGrid;
import dev.tokenmix.core.params.Scope;

/**
 * The GLMix block (arXiv 2411.14429), NCHW in and out: slots pooled from the raw input (or learned), optional
 * conditional position encoding {@code x + DWConv3x3(x)}, then
 * {@code x + DropPath(LS1 (global(LN x) + local(LN x)))} and {@code x + DropPath(LS2 FFN(LN x))}. Keys as the
 * official {@code GLMixBlock}. Everything between the NCHW ends runs channels-last ({@link ConvFfn} says why).
 */
public final class GlmixBlock extends Module {
    private final SoftClustering clustering;
    private final Conv2d posConv;
    private final LayerNorm2d norm1;
    private final GlmixMixer mixer;
    private final LayerNorm2d norm2;
    private final ConvFfn mlp;
    private final ChannelScale ls1;
    private final ChannelScale ls2;
    private final DropPath dropPath;

    public GlmixBlock(Scope scope, GlnetConfig cfg, int dim, double dropPathRate) {
        super(scope);
        this.clustering = new SoftClustering(scope, dim, GlnetConfig.SLOT_GRID, GlnetConfig.SLOT_GRID, cfg.learnedSlots());
        this.posConv = cfg.cpe() ? Conv2d.builder(scope.child("pos_conv"), dim, dim, 3).padding(1).groups(dim).build() : null;
        this.norm1 = new LayerNorm2d(scope.child("norm1"), dim, GlnetConfig.LN_EPS);
        this.mixer = GlmixMixer.create(clustering, scope, dim, dim / GlnetConfig.HEAD_DIM, GlnetConfig.LOCAL_KERNEL);
        this.norm2 = new LayerNorm2d(scope.child("norm2"), dim, GlnetConfig.LN_EPS);
        this.mlp = new ConvFfn(scope.child("mlp"), dim, Math.round(dim * cfg.mlpRatio()), cfg.mlpDw());
        this.ls1 = cfg.layerScale() > 0 ? new ChannelScale(scope.child("ls1"), dim, cfg.layerScale()) : null;
        this.ls2 = cfg.layerScale() > 0 ? new ChannelScale(scope.child("ls2"), dim, cfg.layerScale()) : null;
        this.dropPath = dropPathRate > 0 ? new DropPath(scope.child("drop_path"), dropPathRate) : null;
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        return forwardWithAssignments(ops, x).output();
    }

    /** The block output and its clustering logits {@code [B, 64, H*W]} (for visualising the slot assignments). */
    public record Output(Tensor output, Tensor logits) {
    }

    /** As {@link #apply}, also returning the clustering logits. */
    public Output forwardWithAssignments(Ops ops, Tensor x) {
        ops.expectShape(x, "GLMix block input [B, C, H, W]", -1, Ops.ANY, Ops.ANY, Ops.ANY);
        Tensor source = x; // slots are pooled from the raw input, before CPE and norm
        // channels-last between the NCHW ends: the tokens are views, and the convolutions are faster there
        Tensor t = TokenGrid.toChannelsLast(ops, x); // [B, H, W, C]
        if (posConv != null) {
            t = ops.add(t, posConv.applyChannelsLast(ops, t));
        }
        GlmixMixer.Result r = mixer.mixChannelsLast(ops, source, norm1.applyChannelsLast(ops, t));
        t = GlmixMixer.fuseChannelsLast(ops, t, r.sum(ops), ls1, dropPath);
        t = GlmixMixer.fuseChannelsLast(ops, t, mlp.apply(ops, norm2.applyChannelsLast(ops, t)), ls2, dropPath);
        return new Output(TokenGrid.fromChannelsLast(ops, t), r.logits());
    }
}
