package dev.tokenmix.models.stt;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.BatchNorm2d;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Scope;
import java.util.ArrayList;
import java.util.List;

/**
 * STT's convolutional stem, reconstructed (the paper says only that a convolutional stem gives the patch grid):
 * 3x3 stride-2 convolutions without bias, each followed by BatchNorm and ReLU, then a 1x1 convolution to the token
 * width, as in the convolutional stems of Xiao et al. (arXiv 2106.14881). {@code [B, 3, H, W]} to
 * {@code [B, C, H/s, W/s]}. Keys {@code i.conv}, {@code i.bn}, {@code proj}.
 */
public final class ConvStem extends Module {
    private final List<Conv2d> convs = new ArrayList<>();
    private final List<BatchNorm2d> norms = new ArrayList<>();
    private final Conv2d proj;

    public ConvStem(Scope scope, int inChans, int[] channels, long dim) {
        super(scope);
        long in = inChans;
        for (int i = 0; i < channels.length; i++) {
            convs.add(Conv2d.builder(scope.child(i).child("conv"), in, channels[i], 3).stride(2).padding(1).bias(false)
                    .build());
            norms.add(new BatchNorm2d(scope.child(i).child("bn"), channels[i]));
            in = channels[i];
        }
        this.proj = Conv2d.builder(scope.child("proj"), in, dim, 1).build();
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        Tensor t = x;
        for (int i = 0; i < convs.size(); i++) {
            t = ops.relu(norms.get(i).apply(ops, convs.get(i).apply(ops, t)));
        }
        return proj.apply(ops, t);
    }
}
