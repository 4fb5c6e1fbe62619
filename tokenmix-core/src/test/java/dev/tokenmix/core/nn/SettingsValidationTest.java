package dev.tokenmix.core.nn;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.engine.GradientCheck;
import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

/** Constructors and builders reject bad settings with a message that names the module and the offending values. */
class SettingsValidationTest {

    record Case(String name, Class<? extends RuntimeException> type, Function<Scope, Object> make, String[] fragments) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case c(String name, Class<? extends RuntimeException> type, Function<Scope, Object> make, String... fragments) {
        return new Case(name, type, make, fragments);
    }

    static final Class<IllegalStateException> STATE = IllegalStateException.class;
    static final Class<IllegalArgumentException> ARG = IllegalArgumentException.class;

    static Stream<Case> cases() {
        return Stream.of(
                c("Conv2d groups not dividing in", STATE, s -> Conv2d.builder(s.child("conv"), 4, 6, 3).groups(3).build(),
                        "conv", "groups=3", "in=4", "out=6"),
                c("Conv2d groups not dividing out", STATE, s -> Conv2d.builder(s.child("conv"), 4, 6, 3).groups(4).build(),
                        "groups=4", "out=6"),
                c("Conv2d zero groups", STATE, s -> Conv2d.builder(s.child("conv"), 4, 4, 3).groups(0).build(), "groups=0"),
                c("Conv2d zero stride", STATE, s -> Conv2d.builder(s.child("conv"), 4, 4, 3).stride(0).build(), "stride=0x0"),
                c("Conv2d negative padding", STATE, s -> Conv2d.builder(s.child("conv"), 4, 4, 3).padding(-1).build(),
                        "padding=-1x-1"),
                c("Conv2d zero dilation", STATE, s -> Conv2d.builder(s.child("conv"), 4, 4, 3).dilation(0).build(), "dilation=0"),
                c("Conv2d zero kernel", STATE, s -> Conv2d.builder(s.child("conv"), 4, 4, 0).build(), "kernel=0x0"),
                c("Conv2d zero channels", STATE, s -> Conv2d.builder(s.child("conv"), 0, 4, 3).build(), "in=0"),
                c("Attention dim not divisible by heads", ARG, s -> new Attention(s.child("attn"), 10, 3, true, 0, 0,
                        Init.truncNormal(0.02)), "attn", "dim 10", "numHeads 3"),
                c("Attention zero heads", ARG, s -> new Attention(s.child("attn"), 8, 0, true, 0, 0, Init.zeros()),
                        "numHeads 0"),
                c("MultiheadAttention embedDim not divisible by heads", ARG, s -> new MultiheadAttention(s.child("mha"), 6, 4, 0),
                        "mha", "embedDim 6", "numHeads 4"),
                c("Linear with no inputs", ARG, s -> new Linear(s.child("fc"), 0, 3, true), "fc", "in=0"),
                c("LayerNorm with eps 0", ARG, s -> new LayerNorm(s.child("norm"), 4, 0), "norm", "eps=0.0"),
                c("LayerNorm2d with no channels", ARG, s -> new LayerNorm2d(s.child("norm"), 0, 1e-6), "norm", "0"),
                c("BatchNorm2d momentum above 1", ARG, s -> new BatchNorm2d(s.child("bn"), 4, 1e-5, 1.5), "bn", "1.5"),
                c("Dropout p = 1", ARG, s -> new Dropout(s.child("drop"), 1.0), "drop", "1.0"),
                c("DropPath negative p", ARG, s -> new DropPath(s.child("dp"), -0.1), "dp", "-0.1"),
                c("AvgPool2d padding above half the kernel", ARG, s -> new AvgPool2d(s.child("pool"), 3, 1, 2, false),
                        "pool", "kernel=3", "padding=2"),
                c("AdaptiveAvgPool2d to zero cells", ARG, s -> new AdaptiveAvgPool2d(s.child("pool"), 0, 7), "pool", "0x7"),
                c("LayerScale of zero width", ARG, s -> new LayerScale(s.child("ls"), 0, 1e-5), "ls", "0"),
                c("duplicate parameter key", STATE, s -> {
                    new Linear(s.child("fc"), 2, 2, true);
                    return new Linear(s.child("fc"), 2, 2, true);
                }, "fc.weight"),
                c("dropout probability 1 in the facade", ARG, s -> new Ops(s.store(), Mode.TRAIN)
                        .dropout(new Ops(s.store(), Mode.TRAIN).placeholder("x", -1, 2), 1.0), "1.0"),
                c("integer parameter store", ARG, s -> new ParameterStore(DataType.INT32), "INT"),
                c("gradient check in float", ARG, s -> GradientCheck.of(new ParameterStore(DataType.FLOAT), Mode.EVAL, 2, 2),
                        "DOUBLE", "FLOAT"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rejectsWithTheOffendingValues(Case c) {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        RuntimeException e = assertThrows(c.type(), () -> c.make().apply(Scope.root(store, 1)));
        for (String f : c.fragments()) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
    }
}
