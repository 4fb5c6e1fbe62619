package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Scope;

/** PyTorch's {@code nn.AvgPool2d(kernel, stride, padding, count_include_pad)} on NCHW (floor mode). */
public final class AvgPool2d extends Module {
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final boolean countIncludePad;

    /** PyTorch's defaults: stride = kernel, no padding, {@code count_include_pad=True}. */
    public AvgPool2d(Scope scope, int kernel) {
        this(scope, kernel, kernel, 0, true);
    }

    public AvgPool2d(Scope scope, int kernel, int stride, int padding, boolean countIncludePad) {
        super(scope);
        if (kernel <= 0 || stride <= 0 || padding < 0 || padding > kernel / 2) {
            throw new IllegalArgumentException("AvgPool2d " + scope.prefix() + ": need kernel, stride > 0 and 0 <= padding <= kernel/2; got kernel="
                    + kernel + ", stride=" + stride + ", padding=" + padding);
        }
        this.kernel = new int[] {kernel, kernel};
        this.stride = new int[] {stride, stride};
        this.padding = new int[] {padding, padding};
        this.countIncludePad = countIncludePad;
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        return ops.avgPool2d(x, kernel, stride, padding, countIncludePad);
    }
}
