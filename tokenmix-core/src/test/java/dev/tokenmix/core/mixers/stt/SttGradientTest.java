package dev.tokenmix.core.mixers.stt;

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
 * Numerical gradient checks (DOUBLE, tiny shapes) of STT's primitives on grids of two 2x2 windows with learned
 * super tokens: window attention, then global mixing of the super tokens (attention, or separable convolution with
 * DropPath in training mode), then the patch grid and the super tokens taken back out of the window layout.
 */
class SttGradientTest {

    static Stream<GradCase> cases() {
        return Stream.of(
                eval("window attention + global attention among super tokens, 4x2 grid", s(1, 8, 2), sc -> {
                    String st = sc.parameter("super_tokens", Init.truncNormal(0.5), 1, 2, 2);
                    SuperTokenWindowAttention wa = new SuperTokenWindowAttention(sc.child("attn"), 2, 1, 2, true, 0, 0,
                            Init.truncNormal(0.5));
                    SuperTokenGlobalMixing gm = new SuperTokenGlobalMixing(sc.child("global"), 2, 1, 2, 1,
                            GlobalMixKind.ATTENTION, 3, true, 1e-6, 0, 0);
                    return (ops, x) -> {
                        Tensor w = WindowLayout.toWindows(ops, x, 4, 2, 2, ops.param(st));
                        w = gm.apply(ops, ops.add(w, wa.apply(ops, w)));
                        return ops.concat(1, WindowLayout.patchTokens(ops, w, 4, 2, 2),
                                WindowLayout.superTokens(ops, w, 2));
                    };
                }),
                train("window attention + separable-conv mixing, DropPath TRAIN, 2x4 grid", s(2, 8, 2), sc -> {
                    String st = sc.parameter("super_tokens", Init.truncNormal(0.5), 1, 2, 2);
                    SuperTokenWindowAttention wa = new SuperTokenWindowAttention(sc.child("attn"), 2, 1, 2, false, 0,
                            0, Init.truncNormal(0.5));
                    SuperTokenGlobalMixing gm = new SuperTokenGlobalMixing(sc.child("global"), 2, 1, 1, 2,
                            GlobalMixKind.SEPARABLE_CONV, 3, true, 1e-6, 0, 0.4);
                    return (ops, x) -> {
                        Tensor w = WindowLayout.toWindows(ops, x, 2, 4, 2, ops.param(st));
                        w = gm.apply(ops, ops.add(w, wa.apply(ops, w)));
                        return ops.concat(1, WindowLayout.patchTokens(ops, w, 2, 4, 2),
                                WindowLayout.superTokens(ops, w, 2));
                    };
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientsMatch(GradCase c) {
        c.assertGradientsMatch(13);
    }
}
