package dev.tokenmix.core.mixers.glmix;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Scope;

/**
 * GLMix's local branch (arXiv 2411.14429): 1x1 conv, depthwise {@code k x k} conv (padding k/2), 1x1 conv, all with
 * bias and no activation between them; keys {@code 0}, {@code 1}, {@code 2} as the official {@code feature_conv}
 * Sequential. NCHW in and out, or channels-last in and out ({@link #applyChannelsLast}).
 */
public final class LocalBranch extends Module {
    private final Conv2d in;
    private final Conv2d dw;
    private final Conv2d out;

    public LocalBranch(Scope scope, long dim, int kernel) {
        super(scope);
        if (kernel <= 0 || kernel % 2 == 0) {
            throw new IllegalArgumentException("LocalBranch " + scope.prefix() + ": kernel must be odd, got " + kernel);
        }
        this.in = Conv2d.builder(scope.child(0), dim, dim, 1).build();
        this.dw = Conv2d.builder(scope.child(1), dim, dim, kernel).padding(kernel / 2).groups((int) dim).build();
        this.out = Conv2d.builder(scope.child(2), dim, dim, 1).build();
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        return out.apply(ops, dw.apply(ops, in.apply(ops, x)));
    }

    /** The same branch on channels-last {@code x [B, H, W, C]}, channels-last out. */
    public Tensor applyChannelsLast(Ops ops, Tensor x) {
        return call(ops, () -> out.applyChannelsLast(ops, dw.applyChannelsLast(ops, in.applyChannelsLast(ops, x))),
                y -> y);
    }
}
