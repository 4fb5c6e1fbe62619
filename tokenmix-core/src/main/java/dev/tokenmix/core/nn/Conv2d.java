package dev.tokenmix.core.nn;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Layout;
import dev.tokenmix.core.params.Scope;

/**
 * PyTorch's {@code nn.Conv2d} on NCHW input: stride, symmetric padding, dilation and groups (depthwise when
 * {@code groups == in}). The weight key holds PyTorch's {@code [O, I/groups, kH, kW]} tensor, stored in
 * ND4J's layout ({@link Layout}).
 *
 * <pre>{@code
 * Conv2d dw = Conv2d.builder(scope.child("dwconv"), 64, 64, 7).padding(3).groups(64).build();
 * }</pre>
 */
public final class Conv2d extends Module {
    private final String weight;
    private final String bias;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final int groups;
    private final boolean depthwise;

    private Conv2d(Builder b) {
        super(b.scope);
        this.stride = new int[] {b.strideH, b.strideW};
        this.padding = new int[] {b.padH, b.padW};
        this.dilation = new int[] {b.dilation, b.dilation};
        this.groups = b.groups;
        this.depthwise = b.groups == b.in && b.groups > 1;
        Init wi = b.weightInit != null ? b.weightInit : Init.torchDefault();
        long fanIn = (b.in / b.groups) * b.kernelH * b.kernelW;
        Init bi = b.biasInit != null ? b.biasInit : Init.torchDefaultBias(fanIn);
        long[] torchShape = {b.out, b.in / b.groups, b.kernelH, b.kernelW};
        // A depthwise weight [in*m, 1, kH, kW] is stored as [kH, kW, in, m]; its stored shape must be given.
        this.weight = depthwise
                ? b.scope.parameter("weight", wi, Layout.DEPTHWISE_YXCM,
                        new long[] {b.kernelH, b.kernelW, b.in, b.out / b.in}, torchShape)
                : b.scope.parameter("weight", wi, Layout.CONV_YXIO, torchShape);
        this.bias = b.bias ? b.scope.parameter("bias", bi, b.out) : null;
    }

    /** A square {@code kernel x kernel} convolution from {@code in} to {@code out} channels. */
    public static Builder builder(Scope scope, long in, long out, int kernel) {
        return new Builder(scope, in, out, kernel, kernel);
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        Tensor w = ops.param(weight);
        Tensor b = bias == null ? null : ops.param(bias);
        return depthwise ? ops.depthwiseConv2d(x, w, b, stride, padding, dilation)
                : ops.conv2d(x, w, b, stride, padding, dilation, groups);
    }

    /**
     * This convolution on channels-last {@code x [B, H, W, C]}, giving {@code [B, H', W', O]}: a depthwise
     * convolution through {@link Ops#depthwiseConv2dChannelsLast}, a 1x1 convolution (stride 1, no padding) as one
     * matrix product through {@link Ops#pointwiseConv2dChannelsLast}, any other through
     * {@link Ops#conv2dChannelsLast}. For token grids, which are channels-last already, and for blocks that run
     * channels-last between their NCHW ends because it is faster there.
     *
     * @param ops the graph
     * @param x the input
     * @return the output, channels last
     * @throws IllegalStateException for a grouped convolution that is not depthwise
     */
    public Tensor applyChannelsLast(Ops ops, Tensor x) {
        Tensor w = ops.param(weight);
        Tensor b = bias == null ? null : ops.param(bias);
        if (depthwise) {
            return call(ops, () -> ops.depthwiseConv2dChannelsLast(x, w, b, stride, padding, dilation), r -> r);
        }
        if (groups != 1) {
            throw new IllegalStateException(path() + ": a grouped convolution (groups=" + groups
                    + ") runs on NCHW only");
        }
        boolean pointwise = w.dim(0) == 1 && w.dim(1) == 1 && stride[0] == 1 && stride[1] == 1 && padding[0] == 0
                && padding[1] == 0;
        return call(ops, () -> pointwise ? ops.pointwiseConv2dChannelsLast(x, w, b)
                : ops.conv2dChannelsLast(x, w, b, stride, padding, dilation), r -> r);
    }

    /**
     * This convolution, whose square kernel must equal its stride (no padding, dilation or groups: a ViT patch
     * embedding), on NCHW {@code x [B, C, H, W]}, giving its map already flattened to tokens
     * {@code [B, H'*W', O]}: one matrix product of the patches through {@link Ops#patchConv2d}, faster forward and
     * backward than the convolution and the transpose to tokens it replaces.
     *
     * @param ops the graph
     * @param x the input
     * @return the tokens, in row-major order of the output map
     * @throws IllegalStateException if the convolution's patches would overlap, leave gaps or be grouped
     */
    public Tensor applyToPatches(Ops ops, Tensor x) {
        Tensor w = ops.param(weight);
        Tensor b = bias == null ? null : ops.param(bias);
        long k = w.dim(0);
        if (w.dim(1) != k || stride[0] != k || stride[1] != k || padding[0] != 0 || padding[1] != 0
                || dilation[0] != 1 || dilation[1] != 1 || groups != 1) {
            throw new IllegalStateException(path() + ": patches need a square kernel equal to the stride, no padding,"
                    + " dilation or groups, but the kernel is " + w.dim(0) + "x" + w.dim(1) + " with stride "
                    + stride[0] + "x" + stride[1] + ", padding " + padding[0] + "x" + padding[1] + ", dilation "
                    + dilation[0] + " and groups=" + groups);
        }
        return call(ops, () -> ops.patchConv2d(x, w, b, Math.toIntExact(k)), r -> r);
    }

    /** Settings of a {@link Conv2d}; validated by {@link #build()}. */
    public static final class Builder {
        private final Scope scope;
        private final long in;
        private final long out;
        private final int kernelH;
        private final int kernelW;
        private int strideH = 1;
        private int strideW = 1;
        private int padH;
        private int padW;
        private int dilation = 1;
        private int groups = 1;
        private boolean bias = true;
        private Init weightInit;
        private Init biasInit;

        private Builder(Scope scope, long in, long out, int kernelH, int kernelW) {
            this.scope = scope;
            this.in = in;
            this.out = out;
            this.kernelH = kernelH;
            this.kernelW = kernelW;
        }

        public Builder stride(int s) {
            return stride(s, s);
        }

        public Builder stride(int sh, int sw) {
            this.strideH = sh;
            this.strideW = sw;
            return this;
        }

        public Builder padding(int p) {
            return padding(p, p);
        }

        public Builder padding(int ph, int pw) {
            this.padH = ph;
            this.padW = pw;
            return this;
        }

        public Builder dilation(int d) {
            this.dilation = d;
            return this;
        }

        public Builder groups(int g) {
            this.groups = g;
            return this;
        }

        public Builder bias(boolean b) {
            this.bias = b;
            return this;
        }

        public Builder weightInit(Init init) {
            this.weightInit = init;
            return this;
        }

        public Builder biasInit(Init init) {
            this.biasInit = init;
            return this;
        }

        public Conv2d build() {
            String where = "Conv2d " + scope.prefix() + ": ";
            if (in <= 0 || out <= 0 || kernelH <= 0 || kernelW <= 0) {
                throw new IllegalStateException(where + "channels and kernel must be positive, got in=" + in
                        + ", out=" + out + ", kernel=" + kernelH + "x" + kernelW);
            }
            if (groups <= 0 || in % groups != 0 || out % groups != 0) {
                throw new IllegalStateException(where + "groups=" + groups + " must divide in=" + in + " and out="
                        + out);
            }
            if (strideH <= 0 || strideW <= 0 || dilation <= 0 || padH < 0 || padW < 0) {
                throw new IllegalStateException(where + "stride and dilation must be positive and padding >= 0, got stride="
                        + strideH + "x" + strideW + ", dilation=" + dilation + ", padding=" + padH + "x" + padW);
            }
            return new Conv2d(this);
        }
    }
}
