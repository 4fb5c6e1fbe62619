package dev.tokenmix.core.mixers.swat;

import static dev.tokenmix.core.testing.GradCase.eval;
import static dev.tokenmix.core.testing.GradCase.s;
import static dev.tokenmix.core.testing.GradCase.train;

import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Activation;
import dev.tokenmix.core.nn.TokenGrid;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.testing.GradCase;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Numerical gradient checks (DOUBLE, GradCheckUtil) of the SWAT primitives on tiny shapes: the tokenizer with and
 * without its optional parts, the reshapes through convolutions on token images, the convolutional MLP, and the
 * structure-aware attention with heads equal to the structure channels, with contiguous heads and an additive bias,
 * and with dropout in a training execution.
 */
class SwatGradientTest {
    static final Init WIDE = Init.uniform(0.8);

    static Stream<GradCase> cases() {
        return Stream.of(
                eval("tokenizer: within-patch PE, stem LayerNorm, token LayerNorm", s(1, 1, 8, 8), sc -> {
                    StructureAwareTokenizer t = StructureAwareTokenizer.builder(sc.child("pe"), 8, 1, 8)
                            .stem(3, 2, 2, 0).withinPatchPosition(2).alpha(2).stemNorm(1e-5).tokenNorm(1e-6)
                            .convInit(WIDE, WIDE).build();
                    return t::apply;
                }),
                eval("tokenizer: 4x4/s2/p1 stem, proj22 2x2/s2, no norms", s(1, 1, 8, 8), sc -> {
                    StructureAwareTokenizer t = StructureAwareTokenizer.builder(sc.child("pe"), 8, 1, 4)
                            .stem(2, 4, 2, 1).projKernel(2).alpha(2).convInit(WIDE, WIDE).build();
                    return t::apply;
                }),
                eval("space-to-depth then depth-to-space around a depthwise conv", s(2, 2, 4, 4), sc -> {
                    SpatialConvMlp m = new SpatialConvMlp(sc.child("m"), 8, 2, 8, 3, 2, Activation.GELU, 0.0, WIDE, WIDE);
                    return (ops, x) -> TokenStructure.depthToSpace(ops, m.apply(ops, TokenStructure.spaceToDepth(ops, x, 2)), 2);
                }),
                eval("Mixer token mixing: channel stacks through SpatialConvMlp and back", s(2, 3, 8), sc -> {
                    SpatialConvMlp m = new SpatialConvMlp(sc.child("mlp_tokens"), 3, 2, 3, 3, 2, Activation.GELU, 0.0, WIDE, WIDE);
                    return (ops, x) -> TokenStructure.channelStacksAsTokens(ops,
                            m.apply(ops, TokenStructure.tokensAsChannelStacks(ops, x, 2, 2, 2)), 2);
                }),
                eval("SpatialConvMlp over a token grid", s(2, 6, 3), sc -> {
                    SpatialConvMlp m = new SpatialConvMlp(sc.child("mlp"), 3, 4, 3, 3, 4, Activation.GELU, 0.0, WIDE, WIDE);
                    return (ops, x) -> TokenGrid.toTokens(ops, m.apply(ops, TokenGrid.toGrid(ops, x, 2, 3)));
                }),
                eval("structure-aware attention, head = structure channel", s(2, 3, 4), sc -> {
                    StructureAwareAttention a = new StructureAwareAttention(sc.child("attn"), 4, 2, 2, 1, 2, 1, true, 0.0,
                            0.0, WIDE);
                    return a::apply;
                }),
                eval("structure-aware attention, contiguous heads, 1x1 convs, additive bias", s(2, 3, 4), sc -> {
                    StructureAwareAttention a = new StructureAwareAttention(sc.child("attn"), 4, 2, 1, 2, 2, 1, true, 0.0,
                            0.0, WIDE);
                    return (ops, x) -> {
                        Tensor bias = ops.constant(Nd4j.rand(DataType.DOUBLE, 1, 2, 3, 3));
                        return a.apply(ops, x, bias);
                    };
                }),
                train("structure-aware attention with attention and projection dropout TRAIN", s(2, 2, 4), sc -> {
                    StructureAwareAttention a = new StructureAwareAttention(sc.child("attn"), 4, 2, 2, 1, 2, 1, false, 0.2,
                            0.2, WIDE);
                    return a::apply;
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientMatchesCentralDifferences(GradCase c) {
        c.assertGradientsMatch(13);
    }
}
