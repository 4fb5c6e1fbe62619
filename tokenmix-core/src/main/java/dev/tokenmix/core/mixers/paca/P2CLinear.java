package dev.tokenmix.core.mixers.paca;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * PaCa's linear clustering module (PaCa-ViT, <a href="https://arxiv.org/abs/2203.11987">arXiv 2203.11987</a>):
 * {@code Linear(C, M)} without bias per token, transposed to logits {@code [B, M, N]}. No released model uses it.
 *
 * <p>Key: {@code clustering.0.weight [M, C]}.
 */
public final class P2CLinear extends Clustering {
    private final Linear fc;

    /** The official initialisation: truncated normal (std 0.02). */
    public P2CLinear(Scope scope, long dim, long clusters) {
        this(scope, dim, clusters, Init.truncNormal(0.02));
    }

    public P2CLinear(Scope scope, long dim, long clusters, Init weightInit) {
        super(scope, dim, clusters);
        this.fc = new Linear(scope.child("clustering").child(0), dim, clusters, false, weightInit, Init.zeros());
    }

    @Override
    protected Tensor compute(Ops ops, Tensor x, long h, long w) {
        return ops.permute(fc.apply(ops, x), 0, 2, 1); // [B, N, M] -> [B, M, N]
    }
}
