package dev.tokenmix.core.nn;

import static dev.tokenmix.core.testing.GradCase.eval;
import static dev.tokenmix.core.testing.GradCase.s;
import static dev.tokenmix.core.testing.GradCase.train;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.testing.GradCase;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A numerical gradient check (DOUBLE, GradCheckUtil) of every layer in {@code nn}, on tiny shapes, including the
 * training-mode paths (dropout and DropPath with fixed masks, BatchNorm batch statistics). Weights get a
 * wider initialisation than PyTorch's default so that attention maps and activations are far from trivial.
 */
class LayerGradientTest {


    static final Init WIDE = Init.uniform(0.8);




    /** The body of a single module. */
    static Function<Scope, BiFunction<Ops, Tensor, Tensor>> module(Function<Scope, Module> factory) {
        return sc -> {
            Module m = factory.apply(sc.child("m"));
            return m::apply;
        };
    }

    /** A BatchNorm2d whose affine parameters and running statistics are not the defaults. */
    static BatchNorm2d batchNorm(Scope sc, long c) {
        BatchNorm2d bn = new BatchNorm2d(sc, c);
        ParameterStore st = sc.store();
        st.array(sc.key("weight")).assign(org.nd4j.linalg.factory.Nd4j.linspace(0.5, 1.5, c, DataType.DOUBLE));
        st.array(sc.key("bias")).assign(org.nd4j.linalg.factory.Nd4j.linspace(-0.3, 0.3, c, DataType.DOUBLE));
        st.array(sc.key("running_mean")).assign(org.nd4j.linalg.factory.Nd4j.linspace(-0.2, 0.4, c, DataType.DOUBLE));
        st.array(sc.key("running_var")).assign(org.nd4j.linalg.factory.Nd4j.linspace(0.6, 1.8, c, DataType.DOUBLE));
        return bn;
    }

    static Stream<GradCase> cases() {
        return Stream.of(
                eval("Linear rank 3", s(2, 3, 4), module(sc -> new Linear(sc, 4, 5, true, WIDE, WIDE))),
                eval("Linear without bias", s(2, 4), module(sc -> new Linear(sc, 4, 3, false))),
                eval("Conv2d 3x3 stride 2 padding 1", s(2, 2, 5, 5),
                        module(sc -> Conv2d.builder(sc, 2, 3, 3).stride(2).padding(1).weightInit(WIDE).build())),
                eval("Conv2d 3x3 dilation 2, no bias", s(2, 2, 5, 5),
                        module(sc -> Conv2d.builder(sc, 2, 2, 3).padding(2).dilation(2).bias(false).build())),
                eval("Conv2d groups=2", s(2, 4, 3, 3),
                        module(sc -> Conv2d.builder(sc, 4, 4, 3).padding(1).groups(2).weightInit(WIDE).build())),
                eval("Conv2d depthwise (groups = in)", s(2, 3, 4, 4),
                        module(sc -> Conv2d.builder(sc, 3, 3, 3).padding(1).groups(3).weightInit(WIDE).build())),
                eval("Conv2d depthwise multiplier 2", s(2, 2, 4, 4),
                        module(sc -> Conv2d.builder(sc, 2, 4, 3).padding(1).groups(2).weightInit(WIDE).build())),
                eval("LayerNorm", s(2, 3, 5), module(sc -> new LayerNorm(sc, 5, 1e-6))),
                eval("LayerNorm2d", s(2, 3, 2, 2), module(sc -> new LayerNorm2d(sc, 3, 1e-6))),
                eval("BatchNorm2d EVAL", s(2, 3, 2, 2), module(sc -> batchNorm(sc, 3))),
                train("BatchNorm2d TRAIN (batch statistics)", s(3, 2, 2, 2), module(sc -> batchNorm(sc, 2))),
                eval("Activation GELU", s(2, 3, 4), sc -> (ops, x) -> Activation.GELU.apply(ops, ops.mul(x, 3.0))),
                eval("Activation RELU", s(2, 3, 4), sc -> (ops, x) -> Activation.RELU.apply(ops, x)),
                eval("Activation SILU", s(2, 3, 4), sc -> (ops, x) -> Activation.SILU.apply(ops, ops.mul(x, 3.0))),
                eval("Activation SIGMOID", s(2, 3, 4), sc -> (ops, x) -> Activation.SIGMOID.apply(ops, x)),
                eval("Activation TANH", s(2, 3, 4), sc -> (ops, x) -> Activation.TANH.apply(ops, x)),
                eval("Activation IDENTITY", s(2, 3, 4), sc -> (ops, x) -> Activation.IDENTITY.apply(ops, ops.square(x))),
                train("Dropout TRAIN", s(2, 3, 4), module(sc -> new Dropout(sc, 0.4))),
                train("DropPath TRAIN", s(4, 3, 2), sc -> {
                    DropPath dp = new DropPath(sc.child("dp"), 0.5);
                    return (ops, x) -> ops.add(x, dp.apply(ops, ops.tanh(x)));
                }),
                eval("AvgPool2d 3/1/1 count_include_pad=False", s(2, 2, 4, 4),
                        module(sc -> new AvgPool2d(sc, 3, 1, 1, false))),
                eval("AvgPool2d 2 (defaults)", s(2, 2, 4, 4), module(sc -> new AvgPool2d(sc, 2))),
                eval("AdaptiveAvgPool2d 5 to 3", s(2, 2, 5, 5), module(sc -> new AdaptiveAvgPool2d(sc, 3, 3))),
                eval("AdaptiveAvgPool2d 4 to 1", s(2, 3, 4, 4), module(sc -> new AdaptiveAvgPool2d(sc, 1, 1))),
                train("Mlp with dropout TRAIN", s(2, 3, 4),
                        module(sc -> new Mlp(sc, 4, 6, 3, Activation.GELU, 0.25, WIDE, WIDE))),
                eval("Mlp", s(2, 3, 4), module(sc -> new Mlp(sc, 4, 6))),
                train("ConvMlp with dropout TRAIN", s(2, 3, 2, 2),
                        module(sc -> new ConvMlp(sc, 3, 5, 3, Activation.RELU, 0.25))),
                eval("Attention", s(2, 3, 4), module(sc -> new Attention(sc, 4, 2, true, 0, 0, WIDE))),
                train("Attention with attn/proj dropout TRAIN", s(2, 3, 4),
                        module(sc -> new Attention(sc, 4, 2, false, 0.2, 0.2, WIDE))),
                eval("MultiheadAttention self", s(2, 3, 4), module(sc -> mha(sc, 0.0))),
                eval("MultiheadAttention cross (Lq=3, Lk=2)", s(2, 3, 4), sc -> {
                    MultiheadAttention m = mha(sc.child("m"), 0.0);
                    Linear kv = new Linear(sc.child("kv"), 4, 4, true, WIDE, WIDE);
                    return (ops, x) -> {
                        Tensor mem = kv.apply(ops, ops.slice(x, 1, 0, 2));
                        return m.apply(ops, x, mem, ops.tanh(mem));
                    };
                }),
                train("MultiheadAttention with dropout TRAIN", s(2, 3, 4), module(sc -> mha(sc, 0.3))),
                eval("AttentionMath scaledDotProduct with bias", s(2, 2, 3, 2), sc -> {
                    String b = sc.parameter("bias", WIDE, 2, 3, 3);
                    return (ops, x) -> AttentionMath.scaledDotProduct(ops, x, ops.tanh(x), ops.square(x), 0.7,
                            ops.param(b), 0.0);
                }),
                eval("AttentionMath split/merge heads", s(2, 3, 4), sc -> {
                    Linear fc = new Linear(sc.child("fc"), 4, 4, true, WIDE, WIDE);
                    return (ops, x) -> AttentionMath.mergeHeads(ops,
                            ops.mul(AttentionMath.splitHeads(ops, fc.apply(ops, x), 2), 1.5));
                }),
                eval("LayerScale tokens", s(2, 3, 4), sc -> {
                    LayerScale ls = new LayerScale(sc.child("ls"), 4, 0.3);
                    return (ops, x) -> ls.apply(ops, ops.square(x));
                }),
                eval("LayerScale NCHW", s(2, 3, 2, 2), sc -> {
                    LayerScale ls = new LayerScale(sc.child("ls"), "weight", 3, 0.3, 1);
                    return (ops, x) -> ls.apply(ops, ops.square(x));
                }),
                eval("Identity", s(2, 3), sc -> {
                    Identity id = new Identity(sc.child("id"));
                    return (ops, x) -> id.apply(ops, ops.square(x));
                }),
                train("pre-norm transformer block with DropPath and Mlp dropout TRAIN", s(2, 3, 4), sc -> {
                    LayerNorm ln = new LayerNorm(sc.child("norm1"), 4, 1e-6);
                    Attention attn = new Attention(sc.child("attn"), 4, 2, true, 0.0, 0.0, Init.truncNormal(0.5));
                    Mlp mlp = new Mlp(sc.child("mlp"), 4, 8, 4, Activation.GELU, 0.1, Init.truncNormal(0.5), Init.normal(0.1));
                    DropPath dp = new DropPath(sc.child("dp"), 0.3);
                    return (ops, x) -> {
                        Tensor h = ops.add(x, dp.apply(ops, attn.apply(ops, ln.apply(ops, x))));
                        return ops.add(h, mlp.apply(ops, h));
                    };
                }),
                train("conv stride 2, BatchNorm, depthwise conv TRAIN", s(2, 2, 5, 5), sc -> {
                    Conv2d c = Conv2d.builder(sc.child("conv"), 2, 4, 3).stride(2).padding(1).build();
                    BatchNorm2d bn = new BatchNorm2d(sc.child("bn"), 4);
                    Conv2d dw = Conv2d.builder(sc.child("dw"), 4, 4, 3).padding(1).groups(4).build();
                    return (ops, x) -> dw.apply(ops, bn.apply(ops, c.apply(ops, x)));
                }),
                train("Sequential conv-bn-act TRAIN", s(2, 2, 3, 3), module(sc -> new Sequential(sc, 3, (c, i) -> i == 0
                        ? Conv2d.builder(c, 2, 3, 3).padding(1).build()
                        : i == 1 ? batchNorm(c, 3) : new SiluModule(c)))));
    }

    static MultiheadAttention mha(Scope sc, double dropout) {
        MultiheadAttention m = new MultiheadAttention(sc, 4, 2, dropout);
        // PyTorch zero-initialises the in_proj and out_proj biases; non-zero values exercise their gradients
        sc.store().array(sc.key("in_proj_bias")).assign(org.nd4j.linalg.factory.Nd4j.linspace(-0.5, 0.5, 12, DataType.DOUBLE));
        sc.store().array(sc.key("out_proj.bias")).assign(org.nd4j.linalg.factory.Nd4j.linspace(-0.2, 0.3, 4, DataType.DOUBLE));
        return m;
    }

    /** An activation as a module, for Sequential. */
    static final class SiluModule extends Module {
        SiluModule(Scope scope) {
            super(scope);
        }

        @Override
        protected Tensor forward(Ops ops, Tensor x) {
            return Activation.SILU.apply(ops, x);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientMatchesCentralDifferences(GradCase c) {
        c.assertGradientsMatch(5);
    }
}
