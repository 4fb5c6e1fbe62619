package dev.tokenmix.core.mixers.stt;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Attention;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.nn.TokenGrid;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;

/**
 * STT's global step (<a href="https://arxiv.org/abs/2111.13156">arXiv 2111.13156</a>: the super tokens "are then
 * employed for cross-window communication and global representation learning"): on windows
 * {@code [B·nW, 1 + M², C]} it takes the {@code nW} super tokens of each image, {@code s [B, nW, C]}, and updates
 * them residually,
 *
 * <pre>
 * s = s + DropPath(mix(LayerNorm(s)))          mix: attention among the nW tokens, or a separable conv on their grid
 * </pre>
 *
 * leaving the patch tokens as they are: they receive the result through their window's attention in the next
 * layer. Its cost grows with {@code nW = N / M²}, not with {@code N}. Keys {@code norm}, and {@code attn.qkv},
 * {@code attn.proj} or {@code dw}, {@code pw}.
 */
public final class SuperTokenGlobalMixing extends Module {
    private final long dim;
    private final long gridH;
    private final long gridW;
    private final LayerNorm norm;
    private final Attention attn;
    private final Conv2d dw;
    private final Linear pw;
    private final DropPath dropPath;

    /**
     * @param gridH windows per column ({@code H / M})
     * @param gridW windows per row ({@code W / M})
     * @param kind attention or separable convolution
     * @param kernel depthwise kernel of the separable convolution (odd; unused for attention)
     */
    public SuperTokenGlobalMixing(Scope scope, long dim, long heads, long gridH, long gridW, GlobalMixKind kind,
                                  int kernel, boolean qkvBias, double normEps, double drop, double dropPath) {
        super(scope);
        if (dim <= 0 || gridH <= 0 || gridW <= 0 || kind == null || (kind == GlobalMixKind.SEPARABLE_CONV
                && (kernel <= 0 || kernel % 2 == 0))) {
            throw new IllegalArgumentException("SuperTokenGlobalMixing " + scope.prefix() + ": need dim, window grid "
                    + "and kind, and an odd kernel for separable_conv; got dim=" + dim + ", grid=" + gridH + "x" + gridW
                    + ", kind=" + kind + ", kernel=" + kernel);
        }
        this.dim = dim;
        this.gridH = gridH;
        this.gridW = gridW;
        Init w = Init.truncNormal(0.02);
        this.norm = new LayerNorm(scope.child("norm"), dim, normEps);
        this.attn = kind == GlobalMixKind.ATTENTION ? new Attention(scope.child("attn"), dim, heads, qkvBias, 0.0, drop, w)
                : null;
        this.dw = kind == GlobalMixKind.SEPARABLE_CONV
                ? Conv2d.builder(scope.child("dw"), dim, dim, kernel).padding(kernel / 2).groups((int) dim)
                        .weightInit(w).biasInit(Init.zeros()).build()
                : null;
        this.pw = kind == GlobalMixKind.SEPARABLE_CONV ? new Linear(scope.child("pw"), dim, dim, true, w, Init.zeros())
                : null;
        this.dropPath = new DropPath(scope.child("drop_path"), dropPath);
    }

    /** Number of windows {@code nW} per image. */
    public long windowCount() {
        return gridH * gridW;
    }

    /** Windows {@code [B·nW, 1 + M², C]} with globally mixed super tokens. */
    @Override
    protected Tensor forward(Ops ops, Tensor windows) {
        ops.expectShape(windows, "windows [B*nW, 1+M*M, " + dim + "]", Ops.ANY, Ops.ANY, dim);
        long nW = windowCount();
        Tensor s = WindowLayout.superTokens(ops, windows, nW); // [B, nW, C]
        Tensor u = norm.apply(ops, s);
        Tensor m;
        if (attn != null) {
            m = attn.apply(ops, u);
        } else {
            Tensor map = TokenGrid.toGrid(ops, u, gridH, gridW); // [B, nW, C] -> [B, C, gH, gW]
            map = dw.apply(ops, map);
            m = pw.apply(ops, TokenGrid.toTokens(ops, map)); // [B, C, gH, gW] -> [B, nW, C]
        }
        return WindowLayout.withSuperTokens(ops, windows, ops.add(s, dropPath.apply(ops, m)));
    }
}
