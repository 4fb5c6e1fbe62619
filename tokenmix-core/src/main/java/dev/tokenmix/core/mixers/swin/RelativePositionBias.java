package dev.tokenmix.core.mixers.swin;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Swin's learned relative position bias of a {@code wh x ww} window (arXiv 2103.14030, Sec. 3.2): a table of one
 * value per head for each of the {@code (2wh-1)(2ww-1)} relative offsets, and the constant index that maps a pair of
 * positions {@code (i, j)} of the window to the row of their offset. Registers {@code relative_position_bias_table}
 * {@code [(2wh-1)(2ww-1), heads]} (trained, trunc-normal 0.02) and the buffer {@code relative_position_index}
 * {@code [wh*ww, wh*ww]} in the attention module's scope, as the official code does, so official checkpoints load
 * strictly.
 *
 * <p>The lookup is {@link Ops#takeRows}, a constant one-hot product, since SameDiff's gather has a wrong gradient.
 */
public final class RelativePositionBias {
    private final String table;
    private final String index;
    private final int wh;
    private final int ww;
    private final long heads;

    public RelativePositionBias(Scope scope, int wh, int ww, long heads) {
        if (wh <= 0 || ww <= 0 || heads <= 0) {
            throw new IllegalArgumentException("RelativePositionBias " + scope.prefix() + ": window " + wh + "x" + ww
                    + " and heads " + heads + " must be positive");
        }
        this.wh = wh;
        this.ww = ww;
        this.heads = heads;
        this.table = scope.parameter("relative_position_bias_table", Init.truncNormal(0.02),
                (2L * wh - 1) * (2L * ww - 1), heads);
        int[] idx = index(wh, ww);
        this.index = scope.buffer("relative_position_index", (out, shape, rnd) -> {
            for (int i = 0; i < idx.length; i++) {
                out[i] = idx[i];
            }
        }, (long) wh * ww, (long) wh * ww);
    }

    /**
     * The official index: for window positions {@code i = (hi, wi)} and {@code j = (hj, wj)} (row-major), entry
     * {@code i*N + j} is {@code (hi - hj + wh - 1) * (2ww - 1) + (wi - wj + ww - 1)}.
     */
    public static int[] index(int wh, int ww) {
        int n = wh * ww;
        int[] idx = new int[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                idx[i * n + j] = (i / ww - j / ww + wh - 1) * (2 * ww - 1) + (i % ww - j % ww + ww - 1);
            }
        }
        return idx;
    }

    /** Positions per window. */
    public int windowArea() {
        return wh * ww;
    }

    /** The bias {@code [1, heads, N, N]} to add to the attention logits, read through the stored index. */
    public Tensor bias(Ops ops) {
        int n = wh * ww;
        INDArray stored = ops.store().array(index);
        int[] idx = new int[n * n];
        for (int i = 0; i < idx.length; i++) {
            double v = stored.getDouble(i / n, i % n);
            if (v != Math.rint(v)) {
                throw new IllegalStateException(index + " holds a non-integer " + v + " at (" + i / n + ", " + i % n + ")");
            }
            idx[i] = (int) v;
        }
        Tensor rows = ops.takeRows(ops.param(table), idx); // [N*N, heads]
        Tensor t = ops.permute(ops.reshape(rows, n, n, heads), 2, 0, 1); // [N, N, heads] -> [heads, N, N]
        return ops.reshape(t, 1, heads, n, n); // [1, heads, N, N]
    }
}
