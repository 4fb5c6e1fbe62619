package dev.tokenmix.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.ShapeMismatchException;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.glmix.ChannelScale;
import dev.tokenmix.core.mixers.glmix.LocalBranch;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.testing.Dense;
import dev.tokenmix.core.testing.Graphs;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Every module with a channels-last form gives, on {@code [B, H, W, C]}, its NCHW result transposed: the 1x1
 * convolution (one product over the batch, through the plan's fused product with an {@code [in, out]} weight), a
 * dense strided convolution, the depthwise convolution, LayerNorm2d, ChannelScale and GLMix's local branch. Float,
 * as the models run.
 */
class ChannelsLastForwardTest {

    /** A module under test: its NCHW form and its channels-last form, built in one scope. */
    record Case(String name, Function<Scope, Module> build, int channels) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        Init wide = Init.uniform(0.8);
        return Stream.of(
                new Case("Conv2d 1x1 with bias", sc -> Conv2d.builder(sc, 5, 7, 1).weightInit(wide).build(), 5),
                new Case("Conv2d 1x1 without bias",
                        sc -> Conv2d.builder(sc, 5, 3, 1).bias(false).weightInit(wide).build(), 5),
                new Case("Conv2d 3x3 stride 2 (dense)",
                        sc -> Conv2d.builder(sc, 3, 5, 3).stride(2).padding(1).weightInit(wide).build(), 3),
                new Case("Conv2d depthwise 3x3",
                        sc -> Conv2d.builder(sc, 4, 4, 3).padding(1).groups(4).weightInit(wide).build(), 4),
                new Case("LayerNorm2d", sc -> new LayerNorm2d(sc, 6, 1e-6), 6),
                new Case("ChannelScale", sc -> new ChannelScale(sc, 4, 0.7), 4),
                new Case("GLMix local branch", sc -> new LocalBranch(sc, 5, 3), 5)).map(Arguments::of);
    }

    private static Tensor channelsLast(Module m, Ops ops, Tensor x) {
        if (m instanceof Conv2d c) {
            return c.applyChannelsLast(ops, x);
        } else if (m instanceof LayerNorm2d n) {
            return n.applyChannelsLast(ops, x);
        } else if (m instanceof ChannelScale s) {
            return s.applyChannelsLast(ops, x);
        }
        return ((LocalBranch) m).applyChannelsLast(ops, x);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void givesTheNchwResultTransposed(Case c) {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Module m = c.build().apply(Scope.root(store, 3).child("m"));
        INDArray x = Dense.random(4, 2, c.channels(), 6, 5).toNd4j(DataType.FLOAT); // [B, C, H, W]
        BiFunction<Ops, Tensor, Tensor> nchw = (ops, in) -> TokenGrid.toChannelsLast(ops, m.apply(ops, in));
        INDArray want = Graphs.run(store, Mode.EVAL, x, nchw);
        INDArray got = Graphs.run(store, Mode.EVAL, x.permute(0, 2, 3, 1).dup('c'),
                (ops, in) -> channelsLast(m, ops, in));
        Graphs.assertClose(Dense.of(want), got, 1e-5);
    }

    @Test
    void aWrongChannelCountNamesBothCountsAndTheModule() {
        ShapeMismatchException e = refused(ShapeMismatchException.class,
                sc -> Conv2d.builder(sc.child("stem"), 3, 4, 3).stride(2).padding(1).build(), 5);
        assertEquals("stem", e.modulePath());
        assertTrue(e.getMessage().contains("expects 3 input channels but got 5"), e.getMessage());
    }

    @Test
    void aGroupedConvolutionRefusesChannelsLastNamingItsPath() {
        IllegalStateException e = refused(IllegalStateException.class,
                sc -> Conv2d.builder(sc.child("proj"), 4, 6, 3).padding(1).groups(2).build(), 4);
        assertTrue(e.getMessage().startsWith("proj: a grouped convolution (groups=2)"), e.getMessage());
    }

    /** What {@code applyChannelsLast} of the built convolution throws on an {@code [B, 8, 8, channels]} input. */
    private static <T extends RuntimeException> T refused(Class<T> type, Function<Scope, Conv2d> build,
                                                          int channels) {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Conv2d conv = build.apply(Scope.root(store, 3));
        Ops ops = new Ops(store, Mode.EVAL);
        Tensor x = ops.placeholder("x", -1, 8, 8, channels);
        return assertThrows(type, () -> conv.applyChannelsLast(ops, x));
    }
}
