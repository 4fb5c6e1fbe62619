package dev.tokenmix.core.mixers.paca;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.AttentionMath;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * Patch-to-cluster attention, the token mixer of PaCa-ViT (<a href="https://arxiv.org/abs/2203.11987">arXiv
 * 2203.11987</a>; the official {@code PaCaLayer}). On tokens {@code x [B, N, C]} of an {@code H x W} grid and a soft
 * assignment {@code z [B, M, N]} (softmax over the patches):
 *
 * <pre>
 * c   = LayerNorm(z · x)                         [B, M, C]   cluster tokens
 * q   = x Wqᵀ + bq,  k = c Wkᵀ + bk,  v = c Wvᵀ + bv          split into h heads of width d = C / h
 * out = proj( softmax_M(q kᵀ / √d) v )          [B, N, C]
 * </pre>
 *
 * so the cost is {@code O(N·M·C)} rather than {@code O(N²·C)}. With {@code M = 0} there are no clusters and it is
 * plain global multi-head self-attention ({@code c = x}).
 *
 * <p>{@code z} is computed on site by this layer's own {@link Clustering} module when it has one (block 0 of a
 * stage in the stage-wise models, every block in the block-wise one), or passed in from an earlier block or a
 * clustering teacher. Keys: {@code cluster_norm.*} (if {@code M > 0}), {@code clustering.clustering.*} (if on site),
 * {@code q}, {@code k}, {@code v}, {@code proj} (each {@code [C, C]} with bias).
 */
public final class PatchToClusterAttention extends Module {
    private final long dim;
    private final long heads;
    private final long clusters;
    private final LayerNorm clusterNorm;
    private final Clustering clustering;
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear proj;
    private final double scale;
    private final double attnDrop;
    private final double projDrop;

    /** The result of one application: the mixed tokens and the assignment used ({@code null} when {@code M = 0}). */
    public record Output(Tensor out, Tensor z) {
    }

    /**
     * @param clusters {@code M}; 0 gives global self-attention
     * @param clustering the on-site clustering module's kind, or null when {@code z} comes from elsewhere
     * @param mlpRatio hidden ratio of a {@link P2CMlp}
     * @param kernel kernel of a {@link P2CConv2d}
     * @param normEps epsilon of the cluster LayerNorm (1e-6 in the official models)
     */
    public PatchToClusterAttention(Scope scope, long dim, long heads, long clusters, ClusteringKind clustering,
                                   double mlpRatio, int kernel, double normEps, double attnDrop, double projDrop) {
        super(scope);
        if (dim <= 0 || heads <= 0 || dim % heads != 0 || clusters < 0) {
            throw new IllegalArgumentException("PatchToClusterAttention " + scope.prefix() + ": dim " + dim
                    + " must be divisible by heads " + heads + " and clusters >= 0, got clusters=" + clusters);
        }
        this.dim = dim;
        this.heads = heads;
        this.clusters = clusters;
        this.scale = 1.0 / Math.sqrt((double) dim / heads);
        this.attnDrop = attnDrop;
        this.projDrop = projDrop;
        this.clusterNorm = clusters > 0 ? new LayerNorm(scope.child("cluster_norm"), dim, normEps) : null;
        this.clustering = clusters > 0 && clustering != null
                ? clustering.create(scope.child("clustering"), dim, clusters, mlpRatio, kernel) : null;
        Init w = Init.truncNormal(0.02);
        this.q = new Linear(scope.child("q"), dim, dim, true, w, Init.zeros());
        this.k = new Linear(scope.child("k"), dim, dim, true, w, Init.zeros());
        this.v = new Linear(scope.child("v"), dim, dim, true, w, Init.zeros());
        this.proj = new Linear(scope.child("proj"), dim, dim, true, w, Init.zeros());
    }

    /** Number of clusters {@code M} (0: global attention). */
    public long clusters() {
        return clusters;
    }

    /** Whether this layer computes {@code z} itself. */
    public boolean clustersOnSite() {
        return clustering != null;
    }

    /**
     * Mixes {@code x [B, N, C]} on an {@code h x w} grid. {@code z [B, M, N]} is used when this layer has no
     * clustering module of its own (required then, if {@code M > 0}); otherwise it is recomputed and the given one
     * ignored.
     */
    public Output apply(Ops ops, Tensor x, long h, long w, Tensor z) {
        return call(ops, () -> mix(ops, x, h, w, z), r -> r.out());
    }

    /** On a square grid, computing {@code z} on site (layers without a clustering module need {@link #apply}). */
    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        long n = x.dim(1);
        long s = Math.round(Math.sqrt((double) Math.max(n, 0)));
        if (s * s != n) {
            throw ops.mismatch("tokens " + x.shapeString() + " are not a square grid; call apply(ops, x, h, w, z)");
        }
        return mix(ops, x, s, s, null).out();
    }

    private Output mix(Ops ops, Tensor x, long h, long w, Tensor z) {
        ops.expectShape(x, "attention input [B, " + h * w + ", " + dim + "] (" + h + "x" + w + " grid)", -1, h * w, dim);
        long n = h * w;
        Tensor c = x;
        if (clusters > 0) {
            if (clustering != null) {
                z = clustering.assign(ops, x, h, w); // [B, M, N], softmax over the patches
            } else if (z == null) {
                throw ops.mismatch("this layer has no clustering module and was given no cluster assignment z");
            }
            ops.expectShape(z, "cluster assignment z [B, M, N]", -1, clusters, n);
            c = clusterNorm.apply(ops, ops.matmul(z, x, false, false)); // [B, M, N] · [B, N, C] -> [B, M, C]
        } else {
            z = null;
        }
        Tensor qh = AttentionMath.splitHeads(ops, q.apply(ops, x), heads); // [B, h, N, d]
        Tensor kh = AttentionMath.splitHeads(ops, k.apply(ops, c), heads); // [B, h, M, d]
        Tensor vh = AttentionMath.splitHeads(ops, v.apply(ops, c), heads); // [B, h, M, d]
        Tensor o = AttentionMath.scaledDotProduct(ops, qh, kh, vh, scale, null, attnDrop); // [B, h, N, d]
        Tensor out = ops.dropout(proj.apply(ops, AttentionMath.mergeHeads(ops, o)), projDrop); // [B, N, C]
        return new Output(out, z);
    }
}
