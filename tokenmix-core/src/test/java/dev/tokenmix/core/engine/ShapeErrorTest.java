package dev.tokenmix.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.nn.Attention;
import dev.tokenmix.core.nn.BatchNorm2d;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.LayerNorm2d;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.MultiheadAttention;
import dev.tokenmix.core.nn.Sequential;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Wrong shapes fail while the graph is built, before anything runs, with a {@link ShapeMismatchException} that
 * names the module path and the expected and actual shapes.
 */
class ShapeErrorTest {

    /** A build that must fail: the module path and the fragments the message must contain. */
    record Case(String name, String path, String[] fragments, BiConsumer<Scope, Ops> build) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case c(String name, String path, BiConsumer<Scope, Ops> build, String... fragments) {
        return new Case(name, path, fragments, build);
    }

    static Stream<Case> cases() {
        return Stream.of(
                c("wrong channel count into Conv2d", "stem.0", (s, ops) -> {
                    Sequential stem = new Sequential(s.child("stem"), 2, (sc, i) -> i == 0
                            ? Conv2d.builder(sc, 3, 8, 3).padding(1).build() : new BatchNorm2d(sc, 8));
                    stem.apply(ops, ops.placeholder("x", -1, 4, 8, 8));
                }, "stem.0:", "expects 3 input channels", "[B, 4, 8, 8]"),
                c("wrong channel count into a grouped Conv2d", "conv", (s, ops) -> Conv2d.builder(s.child("conv"), 4, 4, 3)
                        .groups(2).build().apply(ops, ops.placeholder("x", -1, 6, 5, 5)), "expects 4 input channels", "[B, 6, 5, 5]"),
                c("wrong channel count into a depthwise Conv2d", "dw", (s, ops) -> Conv2d.builder(s.child("dw"), 4, 8, 3)
                        .groups(4).build().apply(ops, ops.placeholder("x", -1, 3, 5, 5)), "weight for 4 channels", "[B, 3, 5, 5]"),
                c("rank-3 input into Conv2d", "conv", (s, ops) -> Conv2d.builder(s.child("conv"), 3, 4, 3).build()
                        .apply(ops, ops.placeholder("x", -1, 3, 8)), "[B, *, *, *]", "[B, 3, 8]"),
                c("input smaller than the kernel", "conv", (s, ops) -> Conv2d.builder(s.child("conv"), 3, 4, 5).build()
                        .apply(ops, ops.placeholder("x", -1, 3, 3, 3)), "5x5 convolution", "3x3 input"),
                c("wrong last dimension into Linear", "head", (s, ops) -> new Linear(s.child("head"), 4, 3, true)
                        .apply(ops, ops.placeholder("x", -1, 3, 5)), "head:", "last dimension 4", "[B, 3, 5]"),
                c("mismatched add", "blocks.1.mlp", (s, ops) -> {
                    Tensor x = ops.placeholder("x", -1, 3, 4);
                    ops.enter("blocks.1.mlp", "Mlp");
                    ops.add(x, ops.wrap(ops.sameDiff().constant(Nd4j.ones(DataType.FLOAT, 5)), 5));
                }, "blocks.1.mlp:", "cannot add", "[B, 3, 4]", "[5]"),
                c("mismatched mul", "", (s, ops) -> ops.mul(ops.placeholder("x", -1, 3, 4), ops.placeholder("y", -1, 4, 3)),
                        "<model>:", "cannot mul", "[B, 3, 4]", "[B, 4, 3]"),
                c("Attention with the wrong embedding", "blocks.0.attn", (s, ops) -> new Attention(s.child("blocks.0.attn"),
                        8, 2, true, 0, 0, Init.truncNormal(0.02)).apply(ops, ops.placeholder("x", -1, 5, 6)),
                        "blocks.0.attn:", "[B, *, 8]", "[B, 5, 6]"),
                c("MultiheadAttention with key and value of different lengths", "mha", (s, ops) -> new MultiheadAttention(
                        s.child("mha"), 4, 2, 0).apply(ops, ops.placeholder("q", -1, 2, 4), ops.placeholder("k", -1, 3, 4),
                        ops.placeholder("v", -1, 5, 4)), "mha:", "[B, 3, 4]", "[B, 5, 4]"),
                c("LayerNorm of the wrong width", "norm", (s, ops) -> new LayerNorm(s.child("norm"), 5, 1e-6)
                        .apply(ops, ops.placeholder("x", -1, 3, 4)), "norm:", "must be [4]", "[5]"),
                c("LayerNorm2d of tokens", "norm", (s, ops) -> new LayerNorm2d(s.child("norm"), 4, 1e-6)
                        .apply(ops, ops.placeholder("x", -1, 3, 4)), "norm:", "[B, *, *, *]", "[B, 3, 4]"),
                c("BatchNorm2d of the wrong width", "bn", (s, ops) -> new BatchNorm2d(s.child("bn"), 3)
                        .apply(ops, ops.placeholder("x", -1, 4, 2, 2)), "bn:", "must be [4]", "[3]"),
                c("matmul with unequal inner dimensions", "", (s, ops) -> ops.matmul(ops.placeholder("a", -1, 2, 3, 4),
                        ops.placeholder("b", -1, 2, 5, 6), false, false), "matmul", "[B, 2, 3, 4]", "[B, 2, 5, 6]"),
                c("matmul of rank 3 by rank 2", "", (s, ops) -> ops.matmul(ops.placeholder("a", -1, 3, 4),
                        ops.placeholder("b", 4, 6), false, false), "ranks must be equal"),
                c("impossible reshape", "", (s, ops) -> ops.reshape(ops.placeholder("x", -1, 3, 4), -1, 5),
                        "cannot reshape", "[B, 3, 4]", "[-1, 5]"),
                c("window size that does not divide", "", (s, ops) -> ops.windowPartition(ops.placeholder("x", -1, 6, 6, 2), 4),
                        "window size 4", "6x6"),
                c("concat of mismatched shapes", "", (s, ops) -> ops.concat(1, ops.placeholder("a", -1, 3, 4),
                        ops.placeholder("b", -1, 3, 5)), "cannot concatenate", "[B, 3, 4]", "[B, 3, 5]"),
                c("slice out of range", "", (s, ops) -> ops.slice(ops.placeholder("x", -1, 3, 4), 1, 2, 5),
                        "slice [2:5:1]", "[B, 3, 4]"),
                c("reduction over the batch", "", (s, ops) -> ops.mean(ops.placeholder("x", -1, 3), false, 0),
                        "batch dimension", "[B, 3]"),
                c("cross-entropy of mismatched targets", "", (s, ops) -> ops.softTargetCrossEntropy(ops.placeholder("z", -1, 5),
                        ops.placeholder("t", -1, 4)), "[B, 5]", "[B, 4]"),
                c("adaptive pooling to more cells than the input has", "pool", (s, ops) ->
                        new dev.tokenmix.core.nn.AdaptiveAvgPool2d(s.child("pool"), 8, 8).apply(ops, ops.placeholder("x", -1, 2, 4, 4)),
                        "pool:", "8x8", "[B, 2, 4, 4]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void failsWhileBuildingWithPathAndShapes(Case c) {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Ops ops = new Ops(store, Mode.EVAL);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> c.build().accept(Scope.root(store, 1), ops));
        assertEquals(c.path(), e.modulePath());
        for (String f : c.fragments()) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
        // raised by the facade's own checks, not by an execution reaching native code
        for (StackTraceElement f : e.getStackTrace()) {
            assertTrue(!f.getClassName().startsWith("org.nd4j.linalg.cpu") && !f.getClassName().contains("Session"),
                    "raised while executing: " + f);
        }
    }

    @Test
    void aFailedModuleLeavesTheModuleStackClean() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Ops ops = new Ops(store, Mode.EVAL);
        Sequential outer = new Sequential(Scope.root(store, 1).child("stages"), 1,
                (sc, i) -> new Linear(sc, 4, 2, true));
        assertThrows(ShapeMismatchException.class, () -> outer.apply(ops, ops.placeholder("x", -1, 3)));
        assertEquals("", ops.currentPath());
    }

    @Test
    void compiledGraphsCheckConcreteInputs() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Linear fc = new Linear(Scope.root(store, 1).child("fc"), 4, 2, true);
        CompiledGraph g = dev.tokenmix.core.testing.Graphs.compile(store, Mode.EVAL, new long[] {-1, 3, 4}, fc::apply);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> g.run(Nd4j.zeros(DataType.FLOAT, 2, 3, 5), "y"));
        assertEquals("input", e.modulePath());
        assertTrue(e.getMessage().contains("[B, 3, 4]") && e.getMessage().contains("[2, 3, 5]"), e.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> g.output("logits"));
        assertTrue(unknown.getMessage().contains("logits"), unknown.getMessage());
    }

    @Test
    void expectShapeNamesWildcardsAndBatch() {
        Ops ops = new Ops(new ParameterStore(DataType.FLOAT), Mode.EVAL);
        Tensor x = ops.placeholder("x", -1, 3, 4);
        ops.expectShape(x, "tokens", -1, Ops.ANY, 4);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> ops.expectShape(x, "tokens", -1, 3, 5));
        assertEquals("<model>: tokens: expected shape [B, 3, 5] but got [B, 3, 4]", e.getMessage());
    }
}
