package dev.tokenmix.core.mixers.paca;

import static dev.tokenmix.core.testing.GradCase.eval;
import static dev.tokenmix.core.testing.GradCase.s;
import static dev.tokenmix.core.testing.GradCase.train;

import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.testing.GradCase;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Numerical gradient checks (DOUBLE, GradCheckUtil) of the PaCa-ViT primitives on tiny grids: the three clustering
 * modules, patch-to-cluster attention with on-site clustering, with an assignment shared between two layers, with
 * more clusters than patches, and with {@code M = 0}.
 */
class PacaGradientTest {
    static final Init WIDE = Init.uniform(0.8);

    /** Cluster norms with non-trivial affine parameters so their gradients are exercised. */
    static PatchToClusterAttention attention(Scope sc, long dim, long heads, long m, ClusteringKind kind) {
        PatchToClusterAttention a = new PatchToClusterAttention(sc, dim, heads, m, kind, 2.0, 3, 1e-6, 0.0, 0.0);
        org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(17);
        for (String key : new String[] {"q.weight", "k.weight", "v.weight", "proj.weight", "q.bias", "k.bias"}) {
            sc.store().array(sc.key(key)).assign(org.nd4j.linalg.factory.Nd4j.rand(
                    org.nd4j.linalg.api.buffer.DataType.DOUBLE, sc.store().array(sc.key(key)).shape()).subi(0.5).muli(1.6));
        }
        return a;
    }

    static Stream<GradCase> cases() {
        return Stream.of(
                eval("P2CConv2d logits on a 3x2 grid", s(2, 6, 4), sc -> {
                    P2CConv2d c = new P2CConv2d(sc.child("c"), 4, 3, 3, WIDE, WIDE, WIDE);
                    return (ops, x) -> c.logits(ops, x, 3, 2);
                }),
                eval("P2CConv2d assignment (softmax over patches)", s(2, 4, 3), sc -> {
                    P2CConv2d c = new P2CConv2d(sc.child("c"), 3, 2, 3, WIDE, WIDE, WIDE);
                    return (ops, x) -> c.assign(ops, x, 2, 2);
                }),
                eval("P2CMlp assignment", s(2, 4, 3), sc -> {
                    P2CMlp c = new P2CMlp(sc.child("c"), 3, 2, 5, WIDE, WIDE);
                    return (ops, x) -> c.assign(ops, x, 2, 2);
                }),
                eval("P2CLinear assignment", s(2, 4, 3), sc -> {
                    P2CLinear c = new P2CLinear(sc.child("c"), 3, 2, WIDE);
                    return (ops, x) -> c.assign(ops, x, 2, 2);
                }),
                eval("patch-to-cluster attention, P2CConv2d on site", s(2, 6, 4), sc -> {
                    PatchToClusterAttention a = attention(sc.child("attn"), 4, 2, 3, ClusteringKind.P2CCONV);
                    return (ops, x) -> a.apply(ops, x, 2, 3, null).out();
                }),
                eval("patch-to-cluster attention, P2CMlp, more clusters than patches", s(2, 4, 4), sc -> {
                    PatchToClusterAttention a = attention(sc.child("attn"), 4, 2, 5, ClusteringKind.P2CMLP);
                    return (ops, x) -> a.apply(ops, x, 2, 2, null).out();
                }),
                eval("two layers sharing the first layer's assignment (stage-wise)", s(2, 4, 4), sc -> {
                    PatchToClusterAttention a = attention(sc.child("a"), 4, 2, 2, ClusteringKind.P2CCONV);
                    PatchToClusterAttention b = attention(sc.child("b"), 4, 1, 2, null);
                    return (ops, x) -> {
                        PatchToClusterAttention.Output o = a.apply(ops, x, 2, 2, null);
                        Tensor h = ops.add(x, o.out());
                        return b.apply(ops, h, 2, 2, o.z()).out();
                    };
                }),
                eval("M = 0: global self-attention", s(2, 4, 4), sc -> {
                    PatchToClusterAttention a = attention(sc.child("attn"), 4, 2, 0, ClusteringKind.P2CCONV);
                    return (ops, x) -> a.apply(ops, x, 2, 2, null).out();
                }),
                train("patch-to-cluster attention with attention and projection dropout TRAIN", s(2, 4, 4), sc -> {
                    PatchToClusterAttention a = new PatchToClusterAttention(sc.child("attn"), 4, 2, 2,
                            ClusteringKind.P2CLINEAR, 2.0, 3, 1e-6, 0.2, 0.2);
                    return (ops, x) -> a.apply(ops, x, 2, 2, null).out();
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientMatchesCentralDifferences(GradCase c) {
        c.assertGradientsMatch(11);
    }
}
