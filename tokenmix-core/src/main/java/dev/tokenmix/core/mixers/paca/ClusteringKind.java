package dev.tokenmix.core.mixers.paca;

import dev.tokenmix.core.params.Scope;

/**
 * The clustering modules of PaCa-ViT (<a href="https://arxiv.org/abs/2203.11987">arXiv 2203.11987</a>), by the
 * names the official variants use.
 */
public enum ClusteringKind {
    /** {@link P2CConv2d}: depthwise k x k, 1x1, 1x1 (the default). */
    P2CCONV,
    /** {@link P2CMlp}: two linear layers with GELU, hidden width {@code mlpRatio · C}. */
    P2CMLP,
    /** {@link P2CLinear}: one linear layer without bias. */
    P2CLINEAR;

    /** A module of this kind with the official initialisation. */
    public Clustering create(Scope scope, long dim, long clusters, double mlpRatio, int kernel) {
        switch (this) {
            case P2CCONV:
                return new P2CConv2d(scope, dim, clusters, kernel);
            case P2CMLP:
                return new P2CMlp(scope, dim, clusters, (long) (dim * mlpRatio));
            default:
                return new P2CLinear(scope, dim, clusters);
        }
    }
}
