package dev.tokenmix.core.mixers.psvit;

import static dev.tokenmix.core.testing.GradCase.eval;
import static dev.tokenmix.core.testing.GradCase.s;
import static dev.tokenmix.core.testing.GradCase.train;

import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.testing.GradCase;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Numerical gradient checks (DOUBLE, tiny shapes) of PSViT's primitives: token pooling of each kind with a class
 * token passing through, and a pair of layers where the second reuses the first one's attention map, so the
 * gradient of the second layer's output reaches the first layer's query and key projections through the map.
 */
class PsvitGradientTest {

    static Stream<GradCase> cases() {
        return Stream.of(
                eval("avg pooling 2x2/2, class token, 2x4 -> 1x2", s(1, 9, 2), sc -> {
                    TokenPooling p = new TokenPooling(sc.child("pool"), 2, PoolingKind.AVG, 2, 2, true);
                    return (ops, x) -> p.apply(ops, x, 2, 4).tokens();
                }),
                eval("max pooling 3x3/2 padded, 3x3 -> 2x2", s(1, 9, 2), sc -> {
                    TokenPooling p = new TokenPooling(sc.child("pool"), 2, PoolingKind.MAX, 3, 2, false);
                    return (ops, x) -> p.apply(ops, x, 3, 3).tokens();
                }),
                eval("depthwise conv pooling 3x3/2, class token, 3x3 -> 2x2", s(1, 10, 2), sc -> {
                    TokenPooling p = new TokenPooling(sc.child("pool"), 2, PoolingKind.CONV, 3, 2, true);
                    return (ops, x) -> p.apply(ops, x, 3, 3).tokens();
                }),
                train("attention computed, then reused by the next layer, 2 heads, TRAIN", s(1, 3, 2), sc -> {
                    ShareableAttention a = new ShareableAttention(sc.child("a"), 2, 2, false, true, 0.3, 0.0,
                            Init.truncNormal(0.8));
                    ShareableAttention b = new ShareableAttention(sc.child("b"), 2, 2, true, true, 0.3, 0.0,
                            Init.truncNormal(0.8));
                    return (ops, x) -> {
                        ShareableAttention.Output first = a.apply(ops, x, null);
                        Tensor y = ops.add(x, first.out());
                        return ops.add(y, b.apply(ops, y, first.attention()).out());
                    };
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientsMatch(GradCase c) {
        c.assertGradientsMatch(11);
    }
}
