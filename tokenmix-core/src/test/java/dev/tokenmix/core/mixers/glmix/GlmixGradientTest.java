package dev.tokenmix.core.mixers.glmix;

import static dev.tokenmix.core.testing.GradCase.eval;
import static dev.tokenmix.core.testing.GradCase.s;
import static dev.tokenmix.core.testing.GradCase.train;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerNorm2d;
import dev.tokenmix.core.nn.TokenGrid;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.testing.GradCase;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Numerical gradient checks (DOUBLE, tiny shapes) of the GLMix primitives: clustering with pooled slots (5 to 2,
 * overlapping windows) and learned slots, dispatching, the local branch, and the whole mixer with LayerScale and
 * DropPath fusion in training mode.
 */
class GlmixGradientTest {

    /** A sharper temperature than C^-0.5 so that the softmaxes are far from uniform. */
    static void sharpen(Scope sc) {
        sc.store().array(sc.key("slot_scale")).assign(Nd4j.scalar(sc.store().dataType(), 2.5));
    }

    static Stream<GradCase> cases() {
        return Stream.of(
                eval("clustering + dispatch, pooled slots 5x5 -> 2x2", s(2, 3, 5, 5), sc -> {
                    SoftClustering c = new SoftClustering(sc, 3, 2, 2, false);
                    sharpen(sc);
                    return (ops, x) -> {
                        Tensor t = TokenGrid.toTokens(ops, x);
                        Tensor a = c.logits(ops, x, t);
                        Tensor slots = ops.tanh(SlotOps.cluster(ops, a, t));
                        return SlotOps.dispatch(ops, a, slots);
                    };
                }),
                eval("clustering, learned slots", s(2, 4, 3, 3), sc -> {
                    SoftClustering c = new SoftClustering(sc, 4, 1, 3, true);
                    sc.store().array(sc.key("init_slots")).assign(
                            Nd4j.linspace(-1, 1, 12, sc.store().dataType()).reshape(1, 3, 4));
                    sharpen(sc);
                    return (ops, x) -> {
                        Tensor t = TokenGrid.toTokens(ops, x);
                        Tensor a = c.logits(ops, x, t);
                        return SlotOps.dispatch(ops, a, SlotOps.cluster(ops, a, t));
                    };
                }),
                eval("pooled slots 3x3 -> 2x2", s(2, 2, 3, 3), sc -> (ops, x) -> SlotOps.poolSlots(ops, x, 2, 2)),
                eval("local branch 1x1 -> dw 5x5 -> 1x1", s(2, 3, 4, 4), sc -> {
                    LocalBranch lb = new LocalBranch(sc.child("feature_conv"), 3, 5);
                    return lb::apply;
                }),
                train("GLMix mixer, LayerScale and DropPath fusion TRAIN", s(3, 4, 3, 3), sc -> {
                    SoftClustering c = new SoftClustering(sc, 4, 2, 2, false);
                    sharpen(sc);
                    LayerNorm2d norm = new LayerNorm2d(sc.child("norm1"), 4, 1e-6);
                    GlmixMixer mixer = GlmixMixer.create(c, sc, 4, 2, 3);
                    ChannelScale ls = new ChannelScale(sc.child("ls1"), 4, 0.7);
                    DropPath dp = new DropPath(sc.child("dp"), 0.4);
                    return (ops, x) -> {
                        Tensor u = norm.apply(ops, x);
                        GlmixMixer.Result r = mixer.mix(ops, x, u);
                        return GlmixMixer.fuse(ops, x, r.sum(ops), ls, dp);
                    };
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientsMatch(GradCase c) {
        c.assertGradientsMatch(7);
    }
}
