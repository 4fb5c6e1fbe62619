package dev.tokenmix.models.glnet;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Scope;

/**
 * GLNet's convolutional feed-forward network (arXiv 2411.14429): 1x1 expand ({@code 0}), optionally
 * {@code y + DWConv3x3(y)} ({@code 1}, the official {@code ResDWConvNCHW}), exact GELU ({@code 2}), 1x1 project
 * ({@code 3}). Official keys and results; it runs on channels-last maps {@code [B, H, W, C]} in and out, where the
 * 1x1 convolutions are one matrix product for the whole batch and the depthwise convolution is oneDNN's fast
 * channels-last kernel (with the blocks channels-last, {@code glnet_4g} inference at batch 8 went from 1799 to
 * 1395 ms on one thread).
 */
public final class ConvFfn extends Module {
    private final Conv2d fc1;
    private final Conv2d dw;
    private final Conv2d fc2;

    public ConvFfn(Scope scope, long dim, long hidden, boolean residualDw) {
        super(scope);
        this.fc1 = Conv2d.builder(scope.child(0), dim, hidden, 1).build();
        this.dw = residualDw ? Conv2d.builder(scope.child(1), hidden, hidden, 3).padding(1).groups((int) hidden).build()
                : null;
        this.fc2 = Conv2d.builder(scope.child(3), hidden, dim, 1).build();
    }

    /** {@code x [B, H, W, C]} channels-last, as the output. */
    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        Tensor y = fc1.applyChannelsLast(ops, x);
        if (dw != null) {
            y = ops.add(y, dw.applyChannelsLast(ops, y));
        }
        return fc2.applyChannelsLast(ops, ops.gelu(y));
    }
}
