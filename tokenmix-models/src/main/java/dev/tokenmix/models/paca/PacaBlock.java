package dev.tokenmix.models.paca;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.paca.ClusteringKind;
import dev.tokenmix.core.mixers.paca.PatchToClusterAttention;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Scope;

/**
 * The pre-norm PaCa block (<a href="https://arxiv.org/abs/2203.11987">arXiv 2203.11987</a>; the official
 * {@code PaCaBlock} as released: no layer scale, no post-norm):
 * {@code x + DropPath(PaCa(norm1_before(x), z))}, then {@code x + DropPath(mlp(norm2_before(x)))}. The cluster
 * assignment {@code z} is passed on to the next block of the stage. Keys {@code norm1_before}, {@code attn.*},
 * {@code norm2_before}, {@code mlp.*}.
 */
public final class PacaBlock extends Module {
    private final LayerNorm norm1;
    private final PatchToClusterAttention attn;
    private final LayerNorm norm2;
    private final PacaMlp mlp;
    private final DropPath dropPath;

    /**
     * @param clustering the on-site clustering module's kind, or null when the block reuses {@code z}
     */
    public PacaBlock(Scope scope, long dim, long heads, long clusters, ClusteringKind clustering, double mlpRatio,
                     int kernel, double normEps, double dropPathRate) {
        super(scope);
        this.norm1 = new LayerNorm(scope.child("norm1_before"), dim, normEps);
        this.attn = new PatchToClusterAttention(scope.child("attn"), dim, heads, clusters, clustering, mlpRatio, kernel,
                normEps, 0.0, 0.0);
        this.norm2 = new LayerNorm(scope.child("norm2_before"), dim, normEps);
        this.mlp = new PacaMlp(scope.child("mlp"), dim, (long) (dim * mlpRatio));
        this.dropPath = new DropPath(scope.child("drop_path"), dropPathRate);
    }

    /** Tokens {@code x [B, N, C]} on an {@code h x w} grid; returns the new tokens and the assignment used. */
    public PatchToClusterAttention.Output apply(Ops ops, Tensor x, long h, long w, Tensor z) {
        return call(ops, () -> mix(ops, x, h, w, z), r -> r.out());
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        long s = Math.round(Math.sqrt((double) Math.max(x.dim(1), 0)));
        return mix(ops, x, s, s, null).out();
    }

    private PatchToClusterAttention.Output mix(Ops ops, Tensor x, long h, long w, Tensor z) {
        PatchToClusterAttention.Output a = attn.apply(ops, norm1.apply(ops, x), h, w, z);
        Tensor t = ops.add(x, dropPath.apply(ops, a.out()));
        t = ops.add(t, dropPath.apply(ops, mlp.apply(ops, norm2.apply(ops, t), h, w)));
        return new PatchToClusterAttention.Output(t, a.z());
    }
}
