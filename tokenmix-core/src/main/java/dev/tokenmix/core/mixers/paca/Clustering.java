package dev.tokenmix.core.mixers.paca;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Scope;

/**
 * A PaCa clustering module (PaCa-ViT, <a href="https://arxiv.org/abs/2203.11987">arXiv 2203.11987</a>): maps patch
 * tokens {@code [B, N, C]} of an {@code H x W} grid (row-major, {@code N = H·W}) to cluster logits
 * {@code [B, M, N]}; {@link #assign} turns them into the soft assignment {@code z}, a softmax over the patch axis, so
 * each cluster is a convex combination of patches.
 *
 * <p>{@link #assign} marks {@code z} as the activation {@link #ASSIGNMENT_TAP} of this module's path, so a finished
 * graph can return it next to its outputs ({@code CompiledGraph.runTaps}).
 *
 * <p>Its parameters live under {@code clustering.*} of the module's scope, as in the official
 * {@code nn.Sequential}. Applied as a plain {@link Module} the grid is taken to be square.
 */
public abstract class Clustering extends Module {
    /**
     * The {@link Ops#tap} name of every soft assignment {@code z [B, M, N]} a clustering module (or a clustering
     * teacher) produces, attributed to the producing module's path.
     */
    public static final String ASSIGNMENT_TAP = "paca.assignment";

    private final long dim;
    private final long clusters;

    protected Clustering(Scope scope, long dim, long clusters) {
        super(scope);
        if (dim <= 0 || clusters <= 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " " + scope.prefix()
                    + ": dim and clusters must be positive, got dim=" + dim + ", clusters=" + clusters);
        }
        this.dim = dim;
        this.clusters = clusters;
    }

    /** Token width {@code C}. */
    public long dim() {
        return dim;
    }

    /** Number of clusters {@code M}. */
    public long clusters() {
        return clusters;
    }

    /** Cluster logits {@code [B, M, N]} of tokens {@code x [B, N, C]} on an {@code h x w} grid. */
    public final Tensor logits(Ops ops, Tensor x, long h, long w) {
        return call(ops, () -> {
            check(ops, x, h, w);
            return compute(ops, x, h, w);
        }, r -> r);
    }

    /** The soft assignment {@code z = softmax_N(logits)}, {@code [B, M, N]}, marked {@link #ASSIGNMENT_TAP}. */
    public final Tensor assign(Ops ops, Tensor x, long h, long w) {
        return ops.tap(ASSIGNMENT_TAP, path(), ops.softmax(logits(ops, x, h, w), -1));
    }

    /** The logits on a square grid. */
    @Override
    protected final Tensor forward(Ops ops, Tensor x) {
        long n = x.dim(1);
        long s = Math.round(Math.sqrt((double) Math.max(n, 0)));
        if (s * s != n) {
            throw ops.mismatch("tokens " + x.shapeString() + " are not a square grid; call logits(ops, x, h, w)");
        }
        check(ops, x, s, s);
        return compute(ops, x, s, s);
    }

    private void check(Ops ops, Tensor x, long h, long w) {
        ops.expectShape(x, "clustering input [B, " + h * w + ", " + dim + "] (" + h + "x" + w + " grid)", -1, h * w, dim);
    }

    /** The logits {@code [B, M, N]}; shapes are checked already. */
    protected abstract Tensor compute(Ops ops, Tensor x, long h, long w);
}
