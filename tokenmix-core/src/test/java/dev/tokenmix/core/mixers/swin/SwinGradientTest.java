package dev.tokenmix.core.mixers.swin;

import static dev.tokenmix.core.testing.GradCase.eval;
import static dev.tokenmix.core.testing.GradCase.s;
import static dev.tokenmix.core.testing.GradCase.train;

import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.swat.StructureAwareAttention;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.testing.GradCase;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Numerical gradient checks (DOUBLE, GradCheckUtil) of the Swin primitives on tiny shapes: the one-hot row lookup,
 * the relative position bias, window attention with and without the shift (roll, mask, partition and merge), patch
 * merging, and SWAT's window attention and patch merging.
 */
class SwinGradientTest {
    static final Init WIDE = Init.uniform(0.8);

    static Stream<GradCase> cases() {
        return Stream.of(
                eval("takeRows: a table lookup as a one-hot product", s(2, 5, 3), sc -> {
                    String t = sc.parameter("t", WIDE, 4, 3);
                    int[] idx = {3, 0, 0, 2, 1};
                    return (ops, x) -> ops.mul(x, ops.takeRows(ops.param(t), idx));
                }),
                eval("relative position bias added to logits", s(2, 2, 4, 4), sc -> {
                    RelativePositionBias rpb = new RelativePositionBias(sc, 2, 2, 2);
                    return (ops, x) -> ops.softmax(ops.add(x, rpb.bias(ops)), -1);
                }),
                eval("window attention, 2x2 windows of a 4x4 map, no shift", s(2, 4, 4, 4), sc -> {
                    WindowAttention a = new WindowAttention(sc.child("attn"), 4, 2, 2, true, 0, 0, WIDE);
                    return (ops, x) -> ShiftedWindows.merge(ops,
                            a.apply(ops, ShiftedWindows.partition(ops, x, 2, 0), null), 2, 0, 4, 4);
                }),
                eval("shifted window attention with the mask, 4x6 map, shift 1", s(2, 4, 6, 4), sc -> {
                    String mask = ShiftedWindows.registerMask(sc, 4, 6, 2, 1);
                    WindowAttention a = new WindowAttention(sc.child("attn"), 4, 2, 2, true, 0, 0, WIDE);
                    return (ops, x) -> ShiftedWindows.merge(ops,
                            a.apply(ops, ShiftedWindows.partition(ops, x, 2, 1), ops.param(mask)), 2, 1, 4, 6);
                }),
                train("window attention with attention and projection dropout TRAIN", s(2, 4, 4), sc -> {
                    WindowAttention a = new WindowAttention(sc.child("attn"), 4, 2, 2, false, 0.2, 0.2, WIDE);
                    return (ops, x) -> a.apply(ops, x, null);
                }),
                eval("patch merging 4x2 grid to 2x1", s(2, 8, 3), sc -> {
                    PatchMerging pm = new PatchMerging(sc, 4, 2, 3, 1e-5, WIDE);
                    return (ops, x) -> pm.apply(ops, x);
                }),
                eval("structure-aware patch merging, 2x2 grid of 4x1x1 tokens, 3x3", s(2, 4, 4), sc -> {
                    StructureAwarePatchMerging pm = new StructureAwarePatchMerging(sc, 2, 2, 4, 1, 1, 3, 1e-5);
                    return (ops, x) -> pm.apply(ops, x);
                }),
                eval("structure-aware window attention with the relative position bias", s(2, 4, 8), sc -> {
                    RelativePositionBias rpb = new RelativePositionBias(sc.child("attn"), 2, 2, 4);
                    StructureAwareAttention a = new StructureAwareAttention(sc.child("attn"), 8, 4, 2, 2, 2, 3, true,
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
