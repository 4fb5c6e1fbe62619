package dev.tokenmix.bench;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.glmix.GlmixMixer;
import dev.tokenmix.core.mixers.glmix.SoftClustering;
import dev.tokenmix.core.mixers.paca.ClusteringKind;
import dev.tokenmix.core.mixers.paca.P2CConv2d;
import dev.tokenmix.core.mixers.paca.PatchToClusterAttention;
import dev.tokenmix.core.nn.Attention;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.LayerNorm2d;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.Mlp;
import dev.tokenmix.core.nn.MultiheadAttention;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The primitives timed by {@link PrimitiveBenchmark}, each at a shape where the models spend their time
 * (per-sample shape; the benchmark adds the batch):
 *
 * <ul>
 *   <li>{@code linear}, {@code layernorm}, {@code mlp}, {@code attention}: DeiT-Tiny's tokens {@code [197, 192]}
 *       (qkv-attention with 3 heads, MLP 192-768-192);</li>
 *   <li>{@code conv3x3}: a dense 3x3 convolution 64 to 64 at 56x56 (GLNet-4G's stage-1 width);</li>
 *   <li>{@code depthwise7x7}, {@code depthwise3x3}: depthwise convolutions at 96x56x56 (PaCa's clustering) and
 *       384x56x56 (PaCa's MLP);</li>
 *   <li>{@code layernorm2d}: channel LayerNorm of a {@code [64, 56, 56]} map;</li>
 *   <li>{@code conv1x1}, {@code conv1x1_channels_last}: GLNet-4G's stage-3 feed-forward expansion, a 1x1
 *       convolution from 256 to 768 channels at 14x14, on an NCHW map (one product per sample) and on a
 *       channels-last one (one product for the batch);</li>
 *   <li>{@code mha}: {@code nn.MultiheadAttention} self-attention over GLNet's 64 slots of width 256;</li>
 *   <li>{@code p2c_clustering}: PaCa's P2CConv2d clustering logits, 96 channels at 56x56 into 100 clusters;</li>
 *   <li>{@code paca_attention}: PaCa's patch-to-cluster attention with on-site clustering, same shape, 2 heads;</li>
 *   <li>{@code glmix_mixer}: GLMix's global (64 slots, attention, dispatch) + local branches, 64 channels at
 *       56x56.</li>
 * </ul>
 *
 * <p>New primitives (window attention, for example) are one more constant here.
 */
public enum Primitive {
    LINEAR("linear", new long[] {197, 192}, s -> new Linear(s.child("fc"), 192, 768, true)::apply),
    LAYERNORM("layernorm", new long[] {197, 192}, s -> new LayerNorm(s.child("norm"), 192, 1e-6)::apply),
    MLP("mlp", new long[] {197, 192}, s -> new Mlp(s.child("mlp"), 192, 768)::apply),
    ATTENTION("attention", new long[] {197, 192},
            s -> new Attention(s.child("attn"), 192, 3, true, 0, 0, Init.truncNormal(0.02))::apply),
    CONV3X3("conv3x3", new long[] {64, 56, 56},
            s -> Conv2d.builder(s.child("conv"), 64, 64, 3).padding(1).build()::apply),
    DEPTHWISE7X7("depthwise7x7", new long[] {96, 56, 56},
            s -> Conv2d.builder(s.child("dw"), 96, 96, 7).padding(3).groups(96).build()::apply),
    DEPTHWISE3X3("depthwise3x3", new long[] {384, 56, 56},
            s -> Conv2d.builder(s.child("dw"), 384, 384, 3).padding(1).groups(384).build()::apply),
    LAYERNORM2D("layernorm2d", new long[] {64, 56, 56}, s -> new LayerNorm2d(s.child("norm"), 64, 1e-6)::apply),
    CONV1X1("conv1x1", new long[] {256, 14, 14}, s -> Conv2d.builder(s.child("fc1"), 256, 768, 1).build()::apply),
    CONV1X1_CHANNELS_LAST("conv1x1_channels_last", new long[] {14, 14, 256},
            s -> Conv2d.builder(s.child("fc1"), 256, 768, 1).build()::applyChannelsLast),
    MHA("mha", new long[] {64, 256}, s -> new MultiheadAttention(s.child("mha"), 256, 8, 0)::apply),
    P2C_CLUSTERING("p2c_clustering", new long[] {56 * 56, 96}, s -> {
        P2CConv2d c = new P2CConv2d(s.child("clustering"), 96, 100, 7);
        return (ops, x) -> c.logits(ops, x, 56, 56);
    }),
    PACA_ATTENTION("paca_attention", new long[] {56 * 56, 96}, s -> {
        PatchToClusterAttention a = new PatchToClusterAttention(s.child("attn"), 96, 2, 100, ClusteringKind.P2CCONV,
                4.0, 7, 1e-6, 0, 0);
        return (ops, x) -> a.apply(ops, x, 56, 56, null).out();
    }),
    GLMIX_MIXER("glmix_mixer", new long[] {64, 56, 56}, s -> {
        Scope b = s.child("block");
        GlmixMixer m = GlmixMixer.create(new SoftClustering(b, 64, 8, 8, false), b, 64, 2, 5);
        return (ops, x) -> m.mix(ops, x, x).sum(ops);
    });

    private final String label;
    private final long[] sampleShape;
    private final Function<Scope, BiFunction<Ops, Tensor, Tensor>> factory;

    Primitive(String label, long[] sampleShape, Function<Scope, BiFunction<Ops, Tensor, Tensor>> factory) {
        this.label = label;
        this.sampleShape = sampleShape;
        this.factory = factory;
    }

    /** The name used in {@code -p primitive=...}. */
    public String label() {
        return label;
    }

    /** Shape of one sample of the input. */
    public long[] sampleShape() {
        return sampleShape.clone();
    }

    /** Creates the primitive's parameters under {@code scope}; the result builds its ops on a graph. */
    public BiFunction<Ops, Tensor, Tensor> create(Scope scope) {
        return factory.apply(scope);
    }

    /** The primitive called {@code label}. */
    public static Primitive of(String label) {
        for (Primitive p : values()) {
            if (p.label.equals(label)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no primitive '" + label + "'");
    }
}
