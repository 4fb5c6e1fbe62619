package dev.tokenmix.core.mixers.swin;

import static dev.tokenmix.core.testing.GradCase.eval;
import static dev.tokenmix.core.testing.GradCase.s;

import dev.tokenmix.core.mixers.swat.StructureAwareAttention;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.testing.GradCase;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Numerical gradient checks (DOUBLE, GradCheckUtil) of the Swin primitives on tiny shapes: the relative position
 * bias (a one-hot row lookup), shifted window attention (roll, mask, partition and merge), patch merging, and SWAT's
 * window attention and patch merging.
 */
class SwinGradientTest {
    static final Init WIDE = Init.uniform(0.8);

    static Stream<GradCase> cases() {
        return Stream.of(
                eval("relative position bias (a one-hot takeRows of the table) added to logits", s(2, 1, 4, 4), sc -> {
                    RelativePositionBias rpb = new RelativePositionBias(sc, 2, 2, 1);
                    return (ops, x) -> ops.softmax(ops.add(x, rpb.bias(ops)), -1);
                }),
                eval("shifted window attention with the mask, 4x4 map, shift 1", s(1, 4, 4, 2), sc -> {
                    String mask = ShiftedWindows.registerMask(sc, 4, 4, 2, 1);
                    WindowAttention a = new WindowAttention(sc.child("attn"), 2, 2, 1, true, 0, 0, WIDE);
                    return (ops, x) -> ShiftedWindows.merge(ops,
                            a.apply(ops, ShiftedWindows.partition(ops, x, 2, 1), ops.param(mask)), 2, 1, 4, 4);
                }),
                eval("patch merging 2x4 grid to 1x2", s(1, 8, 2), sc -> {
                    PatchMerging pm = new PatchMerging(sc, 2, 4, 2, 1e-5, WIDE);
                    return (ops, x) -> pm.apply(ops, x);
                }),
                eval("structure-aware patch merging, 2x2 grid of 4x1x1 tokens, 3x3", s(1, 4, 4), sc -> {
                    StructureAwarePatchMerging pm = new StructureAwarePatchMerging(sc, 2, 2, 4, 1, 1, 3, 1e-5);
                    return (ops, x) -> pm.apply(ops, x);
                }),
                eval("structure-aware window attention with the relative position bias", s(1, 4, 4), sc -> {
                    RelativePositionBias rpb = new RelativePositionBias(sc.child("attn"), 2, 2, 2);
                    StructureAwareAttention a = new StructureAwareAttention(sc.child("attn"), 4, 2, 1, 2, 2, 1, true,
                            0, 0, WIDE);
                    return (ops, x) -> a.apply(ops, x, rpb.bias(ops));
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientMatchesCentralDifferences(GradCase c) {
        c.assertGradientsMatch(13);
    }
}
