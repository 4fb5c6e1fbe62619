package dev.tokenmix.core.engine;

import static dev.tokenmix.core.testing.GradCase.eval;
import static dev.tokenmix.core.testing.GradCase.s;
import static dev.tokenmix.core.testing.GradCase.train;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Layout;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.testing.GradCase;
import dev.tokenmix.core.testing.Dense;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A numerical gradient check (DOUBLE, central differences, GradCheckUtil) of every op of the facade, on tiny
 * shapes. Second operands are trainable parameters, so their gradients are checked too; positive-only ops get
 * a positive input by an affine map of the uniform [-1, 1) input.
 */
class OpsGradientTest {


    static final Init POSITIVE = (out, shape, rnd) -> {
        for (int i = 0; i < out.length; i++) {
            out[i] = 0.5 + rnd.nextDouble();
        }
    };
    static final Init UNIFORM = Init.uniform(1.0);




    /** The graph body of a parameter-free op. */
    static Function<Scope, BiFunction<Ops, Tensor, Tensor>> op(BiFunction<Ops, Tensor, Tensor> body) {
        return scope -> body;
    }

    /** x mapped affinely into [0.5, 1.5). */
    static Tensor positive(Ops ops, Tensor x) {
        return ops.add(ops.mul(x, 0.5), 1.0);
    }

    static Stream<GradCase> cases() {
        return Stream.of(
                // elementwise with broadcasting
                eval("add [B,3,4] + [4]", s(2, 3, 4), sc -> {
                    String p = sc.parameter("p", UNIFORM, 4);
                    return (ops, x) -> ops.add(x, ops.param(p));
                }),
                eval("add [3,1] + [B,3,4]", s(2, 3, 4), sc -> {
                    String p = sc.parameter("p", UNIFORM, 3, 1);
                    return (ops, x) -> ops.add(ops.param(p), x);
                }),
                eval("sub [B,3,4] - [3,1]", s(2, 3, 4), sc -> {
                    String p = sc.parameter("p", UNIFORM, 3, 1);
                    return (ops, x) -> ops.sub(x, ops.param(p));
                }),
                eval("sub [1,4] - [B,3,4]", s(2, 3, 4), sc -> {
                    String p = sc.parameter("p", UNIFORM, 1, 4);
                    return (ops, x) -> ops.sub(ops.param(p), x);
                }),
                eval("mul [B,3,4] * [3,1]", s(2, 3, 4), sc -> {
                    String p = sc.parameter("p", UNIFORM, 3, 1);
                    return (ops, x) -> ops.mul(x, ops.param(p));
                }),
                eval("mul [B,3,4] * [B,3,4]", s(2, 3, 4), op((ops, x) -> ops.mul(x, ops.tanh(x)))),
                eval("div [B,3,4] / [4]", s(2, 3, 4), sc -> {
                    String p = sc.parameter("p", POSITIVE, 4);
                    return (ops, x) -> ops.div(x, ops.param(p));
                }),
                eval("div [3,4] / [B,3,4]", s(2, 3, 4), sc -> {
                    String p = sc.parameter("p", UNIFORM, 3, 4);
                    return (ops, x) -> ops.div(ops.param(p), ops.add(x, 2.0));
                }),
                eval("scalar add, mul, neg, oneMinus", s(2, 3, 4),
                        op((ops, x) -> ops.oneMinus(ops.neg(ops.mul(ops.add(x, 0.7), -1.3))))),
                // activations and maths
                eval("gelu", s(2, 3, 4), op((ops, x) -> ops.gelu(ops.mul(x, 3.0)))),
                eval("relu", s(2, 3, 4), op(Ops::relu)),
                eval("sigmoid", s(2, 3, 4), op(Ops::sigmoid)),
                eval("tanh", s(2, 3, 4), op(Ops::tanh)),
                eval("silu", s(2, 3, 4), op((ops, x) -> ops.silu(ops.mul(x, 2.0)))),
                eval("exp", s(2, 3, 4), op(Ops::exp)),
                eval("log (positive input)", s(2, 3, 4), op((ops, x) -> ops.log(positive(ops, x)))),
                eval("sqrt (positive input)", s(2, 3, 4), op((ops, x) -> ops.sqrt(positive(ops, x)))),
                eval("rsqrt (positive input)", s(2, 3, 4), op((ops, x) -> ops.rsqrt(positive(ops, x)))),
                eval("square", s(2, 3, 4), op(Ops::square)),
                eval("abs", s(2, 3, 4), op(Ops::abs)),
                eval("softmax last axis, rank 3", s(2, 3, 4), op((ops, x) -> ops.softmax(ops.mul(x, 2.0), -1))),
                eval("softmax axis 1, rank 4", s(2, 3, 2, 2), op((ops, x) -> ops.softmax(ops.mul(x, 2.0), 1))),
                eval("softmax axis 2, rank 4", s(2, 2, 3, 2), op((ops, x) -> ops.softmax(ops.mul(x, 2.0), 2))),
                eval("logSoftmax", s(2, 5), op((ops, x) -> ops.logSoftmax(ops.mul(x, 2.0)))),
                eval("logSoftmax rank 3", s(2, 3, 4), op(Ops::logSoftmax)),
                eval("l2Normalize last axis", s(2, 3, 4), op((ops, x) -> ops.l2Normalize(x, -1, 1e-12))),
                eval("l2Normalize axis 1", s(2, 3, 2, 2), op((ops, x) -> ops.l2Normalize(x, 1, 1e-12))),
                // reductions
                eval("mean axes (1, 2)", s(2, 3, 4), op((ops, x) -> ops.mean(x, false, 1, 2))),
                eval("mean keepDims last axis", s(2, 3, 4), op((ops, x) -> ops.mean(x, true, -1))),
                eval("sum axis 1", s(2, 3, 4), op((ops, x) -> ops.sum(ops.square(x), false, 1))),
                eval("sum keepDims axes (2, 3)", s(2, 2, 3, 2), op((ops, x) -> ops.sum(ops.square(x), true, 2, 3))),
                // shapes
                eval("reshape [B,3,4] to [B,12]", s(2, 3, 4), sc -> {
                    String p = sc.parameter("p", UNIFORM, 12);
                    return (ops, x) -> ops.mul(ops.reshape(x, -1, 12), ops.param(p));
                }),
                eval("reshape [B,3,4] to [B*3,4]", s(2, 3, 4), sc -> {
                    String p = sc.parameter("p", UNIFORM, 4);
                    return (ops, x) -> ops.mul(ops.reshape(x, -1, 4), ops.param(p));
                }),
                eval("reshape [B,3,4] to [2,B*3,2]", s(2, 3, 4), sc -> {
                    String p = sc.parameter("p", UNIFORM, 2);
                    return (ops, x) -> ops.mul(ops.reshape(x, 2, -1, 2), ops.param(p));
                }),
                eval("permute (0,2,3,1)", s(2, 3, 2, 2), sc -> {
                    String p = sc.parameter("p", UNIFORM, 3);
                    return (ops, x) -> ops.mul(ops.permute(x, 0, 2, 3, 1), ops.param(p));
                }),
                eval("transpose (1,2)", s(2, 3, 4), sc -> {
                    String p = sc.parameter("p", UNIFORM, 3);
                    return (ops, x) -> ops.mul(ops.transpose(x, 1, 2), ops.param(p));
                }),
                eval("concat axis 1 of three", s(2, 3, 4), sc -> {
                    String p = sc.parameter("p", UNIFORM, 4);
                    return (ops, x) -> ops.concat(1, x, ops.mul(x, ops.param(p)), ops.slice(ops.square(x), 1, 0, 2));
                }),
                eval("concat last axis", s(2, 3, 2), op((ops, x) -> ops.concat(-1, ops.tanh(x), ops.square(x)))),
                eval("slice [1:3]", s(2, 4, 3), op((ops, x) -> ops.slice(ops.square(x), 1, 1, 3))),
                eval("unbind axis 1, parts weighted differently", s(2, 3, 4), sc -> {
                    String p = sc.parameter("p", UNIFORM, 4);
                    return (ops, x) -> {
                        java.util.List<Tensor> parts = ops.unbind(ops.square(x), 1); // three [2, 4]
                        return ops.add(ops.mul(parts.get(0), ops.param(p)), ops.mul(parts.get(2), 3.0));
                    };
                }),
                eval("slice with step [1:5:2]", s(2, 5, 3), op((ops, x) -> ops.slice(ops.square(x), 1, 1, 5, 2))),
                eval("slice last axis with step [0:4:3]", s(2, 3, 4), op((ops, x) -> ops.slice(ops.square(x), -1, 0, 4, 3))),
                eval("roll +2 along axis 1", s(2, 5, 3), sc -> {
                    String p = sc.parameter("p", UNIFORM, 5, 3);
                    return (ops, x) -> ops.mul(ops.roll(x, 2, 1), ops.param(p));
                }),
                eval("roll -1 along last axis", s(2, 3, 4), sc -> {
                    String p = sc.parameter("p", UNIFORM, 3, 4);
                    return (ops, x) -> ops.mul(ops.roll(x, -1, -1), ops.param(p));
                }),
                eval("pad", s(2, 3, 4), op((ops, x) -> ops.square(ops.pad(x, new long[][] {{0, 0}, {1, 2}, {0, 1}}, 0.5)))),
                eval("windowPartition", s(2, 4, 4, 2), sc -> {
                    String p = sc.parameter("p", UNIFORM, 2, 2, 2);
                    return (ops, x) -> ops.mul(ops.windowPartition(x, 2), ops.param(p));
                }),
                eval("windowReverse", s(2, 4, 6, 2), sc -> {
                    String p = sc.parameter("p", UNIFORM, 2, 2, 2);
                    return (ops, x) -> ops.windowReverse(ops.mul(ops.windowPartition(x, 2), ops.param(p)), 2, 4, 6);
                }),
                // products
                eval("linear rank 2", s(3, 4), sc -> {
                    String w = sc.parameter("w", UNIFORM, 5, 4);
                    String b = sc.parameter("b", UNIFORM, 5);
                    return (ops, x) -> ops.linear(x, ops.param(w), ops.param(b));
                }),
                eval("linear rank 3", s(2, 3, 4), sc -> {
                    String w = sc.parameter("w", UNIFORM, 5, 4);
                    String b = sc.parameter("b", UNIFORM, 5);
                    return (ops, x) -> ops.linear(x, ops.param(w), ops.param(b));
                }),
                eval("linear rank 4, no bias", s(2, 2, 3, 4), sc -> {
                    String w = sc.parameter("w", UNIFORM, 3, 4);
                    return (ops, x) -> ops.linear(x, ops.param(w), null);
                }),
                eval("matmul a b^T rank 4", s(2, 2, 3, 4), sc -> {
                    String w = sc.parameter("w", UNIFORM, 4, 4);
                    return (ops, x) -> ops.matmul(x, ops.linear(x, ops.param(w), null), false, true);
                }),
                eval("matmul a^T b rank 4", s(2, 2, 3, 4), sc -> {
                    String w = sc.parameter("w", UNIFORM, 2, 4);
                    return (ops, x) -> ops.matmul(x, ops.linear(x, ops.param(w), null), true, false);
                }),
                eval("matmul a b rank 3", s(2, 3, 4), sc -> {
                    String w = sc.parameter("w", UNIFORM, 3, 4);
                    return (ops, x) -> ops.matmul(ops.linear(x, ops.param(w), null), x, false, false);
                }),
                eval("matmul a^T b^T rank 3", s(2, 3, 3), sc -> {
                    String w = sc.parameter("w", UNIFORM, 2, 3);
                    return (ops, x) -> ops.matmul(x, ops.transpose(ops.linear(x, ops.param(w), null), 1, 2), true, true);
                }),
                // convolutions
                eval("conv2d 3x3 stride 2 padding 1", s(2, 2, 5, 5), sc -> {
                    String w = sc.parameter("w", UNIFORM, Layout.CONV_YXIO, 3, 2, 3, 3);
                    String b = sc.parameter("b", UNIFORM, 3);
                    return (ops, x) -> ops.conv2d(x, ops.param(w), ops.param(b), new int[] {2, 2}, new int[] {1, 1},
                            new int[] {1, 1}, 1);
                }),
                eval("conv2d 3x3 dilation 2 padding 2, no bias", s(2, 2, 5, 5), sc -> {
                    String w = sc.parameter("w", UNIFORM, Layout.CONV_YXIO, 2, 2, 3, 3);
                    return (ops, x) -> ops.conv2d(x, ops.param(w), null, new int[] {1, 1}, new int[] {2, 2},
                            new int[] {2, 2}, 1);
                }),
                eval("conv2d 2x3 stride (1,2) padding (0,1)", s(2, 2, 4, 5), sc -> {
                    String w = sc.parameter("w", UNIFORM, Layout.CONV_YXIO, 2, 2, 2, 3);
                    String b = sc.parameter("b", UNIFORM, 2);
                    return (ops, x) -> ops.conv2d(x, ops.param(w), ops.param(b), new int[] {1, 2}, new int[] {0, 1},
                            new int[] {1, 1}, 1);
                }),
                eval("conv2d groups=2 (split path)", s(2, 4, 3, 3), sc -> {
                    String w = sc.parameter("w", UNIFORM, Layout.CONV_YXIO, 4, 2, 3, 3);
                    String b = sc.parameter("b", UNIFORM, 4);
                    return (ops, x) -> ops.conv2d(x, ops.param(w), ops.param(b), new int[] {1, 1}, new int[] {1, 1},
                            new int[] {1, 1}, 2);
                }),
                eval("depthwiseConv2d multiplier 1", s(2, 3, 4, 4), sc -> {
                    String w = sc.parameter("w", UNIFORM, Layout.DEPTHWISE_YXCM, new long[] {3, 3, 3, 1},
                            new long[] {3, 1, 3, 3});
                    String b = sc.parameter("b", UNIFORM, 3);
                    return (ops, x) -> ops.depthwiseConv2d(x, ops.param(w), ops.param(b), new int[] {1, 1},
                            new int[] {1, 1}, new int[] {1, 1});
                }),
                eval("depthwiseConv2d multiplier 2, stride 2", s(2, 2, 5, 5), sc -> {
                    String w = sc.parameter("w", UNIFORM, Layout.DEPTHWISE_YXCM, new long[] {3, 3, 2, 2},
                            new long[] {4, 1, 3, 3});
                    String b = sc.parameter("b", UNIFORM, 4);
                    return (ops, x) -> ops.depthwiseConv2d(x, ops.param(w), ops.param(b), new int[] {2, 2},
                            new int[] {1, 1}, new int[] {1, 1});
                }),
                eval("depthwiseConv2d channels-last, multiplier 1", s(2, 4, 4, 3), sc -> {
                    String w = sc.parameter("w", UNIFORM, Layout.DEPTHWISE_YXCM, new long[] {3, 3, 3, 1},
                            new long[] {3, 1, 3, 3});
                    String b = sc.parameter("b", UNIFORM, 3);
                    return (ops, x) -> ops.depthwiseConv2dChannelsLast(x, ops.param(w), ops.param(b),
                            new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1});
                }),
                eval("depthwiseConv2d channels-last, 5x5 on a 3x4 grid, no bias", s(2, 3, 4, 2), sc -> {
                    String w = sc.parameter("w", UNIFORM, Layout.DEPTHWISE_YXCM, new long[] {5, 5, 2, 1},
                            new long[] {2, 1, 5, 5});
                    return (ops, x) -> ops.depthwiseConv2dChannelsLast(x, ops.param(w), null, new int[] {1, 1},
                            new int[] {2, 2}, new int[] {1, 1});
                }),
                eval("depthwiseConv2d dilation 2, no bias", s(2, 2, 5, 5), sc -> {
                    String w = sc.parameter("w", UNIFORM, Layout.DEPTHWISE_YXCM, new long[] {3, 3, 2, 1},
                            new long[] {2, 1, 3, 3});
                    return (ops, x) -> ops.depthwiseConv2d(x, ops.param(w), null, new int[] {1, 1},
                            new int[] {2, 2}, new int[] {2, 2});
                }),
                // normalisation
                eval("layerNorm last axis", s(2, 3, 5), sc -> {
                    String w = sc.parameter("w", UNIFORM, 5);
                    String b = sc.parameter("b", UNIFORM, 5);
                    return (ops, x) -> ops.layerNorm(x, ops.param(w), ops.param(b), 1e-5, -1);
                }),
                eval("layerNorm NCHW axis 1", s(2, 3, 2, 2), sc -> {
                    String w = sc.parameter("w", UNIFORM, 3);
                    String b = sc.parameter("b", UNIFORM, 3);
                    return (ops, x) -> ops.layerNorm(x, ops.param(w), ops.param(b), 1e-6, 1);
                }),
                eval("layerNorm without affine", s(2, 3, 4), op((ops, x) -> ops.layerNorm(x, null, null, 1e-5, -1))),
                eval("batchNorm2d EVAL (running statistics)", s(2, 3, 2, 2), sc -> batchNorm(sc, 3)),
                train("batchNorm2d TRAIN (batch statistics)", s(3, 2, 2, 2), sc -> batchNorm(sc, 2)),
                // regularisation
                train("dropout TRAIN p=0.3", s(2, 3, 4), op((ops, x) -> ops.dropout(x, 0.3))),
                train("dropPath TRAIN p=0.5", s(4, 3, 2), op((ops, x) -> ops.dropPath(ops.square(x), 0.5))),
                // pooling and resizing
                eval("avgPool2d 3x3/2 pad 1 count_include_pad", s(2, 2, 5, 5),
                        op((ops, x) -> ops.avgPool2d(x, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, true))),
                eval("avgPool2d 3x3/2 pad 1 exclude pad", s(2, 2, 5, 5),
                        op((ops, x) -> ops.avgPool2d(x, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, false))),
                eval("avgPool2d 2x2/2", s(2, 2, 4, 4),
                        op((ops, x) -> ops.avgPool2d(x, new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, true))),
                eval("maxPool2d 3x3/2 pad 1", s(2, 2, 5, 5),
                        op((ops, x) -> ops.maxPool2d(x, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}))),
                eval("maxPool2d 2x2/2", s(2, 2, 4, 4),
                        op((ops, x) -> ops.maxPool2d(x, new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}))),
                eval("adaptiveAvgPool2d 4x6 to 2x3 (divisible)", s(2, 2, 4, 6), op((ops, x) -> ops.adaptiveAvgPool2d(x, 2, 3))),
                eval("adaptiveAvgPool2d 5x5 to 3x3 (overlapping)", s(2, 2, 5, 5), op((ops, x) -> ops.adaptiveAvgPool2d(x, 3, 3))),
                eval("adaptiveAvgPool2d 5x4 to 3x2 (mixed)", s(2, 2, 5, 4), op((ops, x) -> ops.adaptiveAvgPool2d(x, 3, 2))),
                eval("resizeBilinear 3x4 up to 5x7", s(2, 2, 3, 4), op((ops, x) -> ops.resizeBilinear(x, 5, 7))),
                eval("resizeBilinear 5x5 down to 3x2", s(2, 2, 5, 5), op((ops, x) -> ops.resizeBilinear(x, 3, 2))),
                // losses
                eval("softTargetCrossEntropy", s(3, 5), sc -> (ops, x) -> {
                    Tensor t = ops.wrap(ops.sameDiff().constant(softTargets(3, 5)), -1, 5);
                    return ops.softTargetCrossEntropy(ops.mul(x, 2.0), t);
                }));
    }

    static BiFunction<Ops, Tensor, Tensor> batchNorm(Scope sc, long channels) {
        String w = sc.parameter("weight", UNIFORM, channels);
        String b = sc.parameter("bias", UNIFORM, channels);
        String rm = sc.buffer("running_mean", UNIFORM, channels);
        String rv = sc.buffer("running_var", POSITIVE, channels);
        return (ops, x) -> ops.batchNorm2d(x, ops.param(w), ops.param(b), rm, rv, 1e-5, 0.1);
    }

    static org.nd4j.linalg.api.ndarray.INDArray softTargets(int b, int k) {
        Dense t = Dense.uniform(5, 0.1, 1, b, k);
        for (int i = 0; i < b; i++) {
            double s = 0;
            for (int j = 0; j < k; j++) {
                s += t.get(i, j);
            }
            for (int j = 0; j < k; j++) {
                t.set(t.get(i, j) / s, i, j);
            }
        }
        return t.toNd4j();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientMatchesCentralDifferences(GradCase c) {
        c.assertGradientsMatch(11);
    }

    /** The harness can fail: SameDiff's variance has a gradient N/(N-1) off (reference/nd4j.md). */
    @Test
    void harnessRejectsAWrongGradient() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        GradientCheck.Outcome o = GradientCheck.of(store, Mode.EVAL, 2, 4).check((ops, x) -> {
            SDVariable v = ops.sameDiff().variance(x.var(), false, 1);
            return ops.wrap(v, -1);
        });
        assertFalse(o.passed());
    }
}
