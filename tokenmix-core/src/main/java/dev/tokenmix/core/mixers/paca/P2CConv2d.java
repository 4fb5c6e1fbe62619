package dev.tokenmix.core.mixers.paca;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * PaCa's convolutional clustering module (PaCa-ViT, <a href="https://arxiv.org/abs/2203.11987">arXiv
 * 2203.11987</a>; the default "p2cconv"): on the token grid, depthwise {@code k x k} convolution (bias) → GELU →
 * 1x1 convolution (bias) → GELU → 1x1 convolution to {@code M} channels without bias, flattened to logits
 * {@code [B, M, N]}.
 *
 * <p>Keys: {@code clustering.0.weight [C, 1, k, k]}, {@code clustering.0.bias}, {@code clustering.2.weight
 * [C, C, 1, 1]}, {@code clustering.2.bias}, {@code clustering.4.weight [M, C, 1, 1]}.
 */
public final class P2CConv2d extends Clustering {
    private final Conv2d dw;
    private final Conv2d pw;
    private final Conv2d out;

    /** The official initialisation: fan-out normal weights, zero biases; kernel 7 in every released model. */
    public P2CConv2d(Scope scope, long dim, long clusters, int kernel) {
        this(scope, dim, clusters, kernel, Init.fanOutNormal((int) dim), Init.fanOutNormal(1), Init.zeros());
    }

    /**
     * @param dwInit initialiser of the depthwise weight; {@code pwInit} of both 1x1 weights; {@code biasInit} of the
     *     biases
     */
    public P2CConv2d(Scope scope, long dim, long clusters, int kernel, Init dwInit, Init pwInit, Init biasInit) {
        super(scope, dim, clusters);
        if (kernel <= 0 || kernel % 2 == 0) {
            throw new IllegalArgumentException("P2CConv2d " + scope.prefix() + ": kernel must be odd and positive, got "
                    + kernel);
        }
        Scope seq = scope.child("clustering");
        this.dw = Conv2d.builder(seq.child(0), dim, dim, kernel).padding(kernel / 2).groups((int) dim)
                .weightInit(dwInit).biasInit(biasInit).build();
        this.pw = Conv2d.builder(seq.child(2), dim, dim, 1).weightInit(pwInit).biasInit(biasInit).build();
        this.out = Conv2d.builder(seq.child(4), dim, clusters, 1).bias(false).weightInit(pwInit).build();
    }

    @Override
    protected Tensor compute(Ops ops, Tensor x, long h, long w) {
        long c = dim();
        // the depthwise convolution runs on the tokens as they are (channels last, measured several times faster
        // than NCHW); the 1x1 convolutions after it take NCHW
        Tensor grid = ops.reshape(x, -1, h, w, c); // [B, N, C] -> [B, H, W, C]
        Tensor y = ops.gelu(dw.applyChannelsLast(ops, grid));
        y = ops.permute(y, 0, 3, 1, 2); // [B, H, W, C] -> [B, C, H, W]
        y = ops.gelu(pw.apply(ops, y));
        y = out.apply(ops, y); // [B, M, H, W]
        return ops.reshape(y, -1, clusters(), h * w); // [B, M, N]
    }
}
