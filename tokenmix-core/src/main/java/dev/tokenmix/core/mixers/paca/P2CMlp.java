package dev.tokenmix.core.mixers.paca;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * PaCa's MLP clustering module (PaCa-ViT, <a href="https://arxiv.org/abs/2203.11987">arXiv 2203.11987</a>;
 * "p2cmlp"): per token {@code Linear(C, hidden)} → GELU → {@code Linear(hidden, M)} (with bias, as released),
 * transposed to logits {@code [B, M, N]}. It sees no neighbours, so it ignores the grid.
 *
 * <p>Keys: {@code clustering.0.weight [hidden, C]}, {@code clustering.0.bias}, {@code clustering.2.weight
 * [M, hidden]}, {@code clustering.2.bias [M]}.
 */
public final class P2CMlp extends Clustering {
    private final Linear fc1;
    private final Linear fc2;

    /** The official initialisation: truncated normal (std 0.02) weights, zero biases. */
    public P2CMlp(Scope scope, long dim, long clusters, long hidden) {
        this(scope, dim, clusters, hidden, Init.truncNormal(0.02), Init.zeros());
    }

    public P2CMlp(Scope scope, long dim, long clusters, long hidden, Init weightInit, Init biasInit) {
        super(scope, dim, clusters);
        Scope seq = scope.child("clustering");
        this.fc1 = new Linear(seq.child(0), dim, hidden, true, weightInit, biasInit);
        this.fc2 = new Linear(seq.child(2), hidden, clusters, true, weightInit, biasInit);
    }

    @Override
    protected Tensor compute(Ops ops, Tensor x, long h, long w) {
        Tensor y = fc2.apply(ops, ops.gelu(fc1.apply(ops, x))); // [B, N, M]
        return ops.permute(y, 0, 2, 1); // [B, M, N]
    }
}
