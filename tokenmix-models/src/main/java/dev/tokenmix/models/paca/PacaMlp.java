package dev.tokenmix.models.paca;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * The feed-forward block of PaCa-ViT (<a href="https://arxiv.org/abs/2203.11987">arXiv 2203.11987</a>): a
 * convolutional MLP with a shortcut around its depthwise convolution,
 * {@code h = fc1(x); h = GELU(h + DWConv3x3(h)); out = fc2(h)}. Keys {@code fc1}, {@code dwconv.dwconv}
 * ({@code [4C, 1, 3, 3]}), {@code fc2}.
 */
public final class PacaMlp extends Module {
    private final Linear fc1;
    private final Conv2d dwconv;
    private final Linear fc2;
    private final long hidden;

    public PacaMlp(Scope scope, long dim, long hidden) {
        super(scope);
        this.hidden = hidden;
        Init w = Init.truncNormal(0.02);
        this.fc1 = new Linear(scope.child("fc1"), dim, hidden, true, w, Init.zeros());
        this.dwconv = Conv2d.builder(scope.child("dwconv").child("dwconv"), hidden, hidden, 3).padding(1)
                .groups((int) hidden).weightInit(Init.fanOutNormal((int) hidden)).biasInit(Init.zeros()).build();
        this.fc2 = new Linear(scope.child("fc2"), hidden, dim, true, w, Init.zeros());
    }

    /** {@code x [B, N, C]} on an {@code h x w} grid. */
    public Tensor apply(Ops ops, Tensor x, long h, long w) {
        return call(ops, () -> mix(ops, x, h, w), r -> r);
    }

    @Override
    protected Tensor forward(Ops ops, Tensor x) {
        long s = Math.round(Math.sqrt((double) Math.max(x.dim(1), 0)));
        return mix(ops, x, s, s);
    }

    private Tensor mix(Ops ops, Tensor x, long h, long w) {
        Tensor t = fc1.apply(ops, x); // [B, N, 4C]
        // the depthwise convolution runs on the tokens as they are, channels last: no transposes around it
        Tensor grid = ops.reshape(t, -1, h, w, hidden); // [B, N, 4C] -> [B, H, W, 4C]
        Tensor d = ops.reshape(dwconv.applyChannelsLast(ops, grid), -1, h * w, hidden); // -> [B, N, 4C]
        return fc2.apply(ops, ops.gelu(ops.add(t, d)));
    }
}
