package dev.tokenmix.core.mixers.swat;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Activation;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * SWAT's convolutional MLP (<a href="https://arxiv.org/abs/2111.13677">arXiv 2111.13677</a>, the official
 * {@code ConvMlpGeneral}) on an NCHW map: {@code fc1} (1x1) → act → {@code fc3} ({@code k x k}, grouped, depthwise
 * in every released configuration) → act → dropout → {@code fc2} (1x1). The activation follows both {@code fc1} and
 * {@code fc3}.
 *
 * <p>It replaces a token MLP wherever the tokens form a grid: channel mixing over the {@code H x W} token grid
 * (SWAT DeiT, Mixer, ResMLP, Swin), and token mixing over the {@code α x α} images of a structure channel in SWAT
 * Mixer ({@link TokenStructure#tokensAsChannelStacks}). Keys {@code fc1.*}, {@code fc3.*}, {@code fc2.*}.
 */
public final class SpatialConvMlp extends Module {
    private final Conv2d fc1;
    private final Conv2d fc3;
    private final Conv2d fc2;
    private final Activation act;
    private final double drop;

    /** Depthwise {@code fc3}, GELU, no dropout, PyTorch's default initialisation. */
    public SpatialConvMlp(Scope scope, long in, long hidden, int kernel) {
        this(scope, in, hidden, in, kernel, (int) hidden, Activation.GELU, 0.0, null, null);
    }

    /**
     * @param groups groups of {@code fc3} (equal to {@code hidden} for a depthwise convolution)
     * @param weightInit initialiser of the three weights; null keeps PyTorch's default
     * @param biasInit initialiser of the three biases; null keeps PyTorch's default
     */
    public SpatialConvMlp(Scope scope, long in, long hidden, long out, int kernel, int groups, Activation act, double drop,
                          Init weightInit, Init biasInit) {
        super(scope);
        if (kernel <= 0 || kernel % 2 == 0) {
            throw new IllegalArgumentException("SpatialConvMlp " + scope.prefix() + ": kernel must be odd and positive, got "
                    + kernel);
        }
        this.fc1 = conv(scope.child("fc1"), in, hidden, 1, 1, weightInit, biasInit);
        this.fc3 = conv(scope.child("fc3"), hidden, hidden, kernel, groups, weightInit, biasInit);
        this.fc2 = conv(scope.child("fc2"), hidden, out, 1, 1, weightInit, biasInit);
        this.act = act;
        this.drop = drop;
    }

    private static Conv2d conv(Scope s, long in, long out, int k, int groups, Init w, Init b) {
        Conv2d.Builder cb = Conv2d.builder(s, in, out, k).padding(k / 2).groups(groups);
        if (w != null) {
            cb.weightInit(w);
        }
        if (b != null) {
            cb.biasInit(b);
        }
        return cb.build();
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        Tensor h = act.apply(ops, fc1.apply(ops, x));
        h = act.apply(ops, fc3.apply(ops, h));
        return fc2.apply(ops, ops.dropout(h, drop));
    }
}
