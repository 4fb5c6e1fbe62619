package dev.tokenmix.core.mixers.stt;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;

/**
 * The token layout of STT's local layers (<a href="https://arxiv.org/abs/2111.13156">arXiv 2111.13156</a>): the
 * {@code H x W} patch grid cut into {@code nW = (H/M)·(W/M)} non-overlapping {@code M x M} windows (row-major, as
 * {@link Ops#windowPartition}), each a sequence whose index 0 is the window's super token:
 *
 * <pre>
 * windows [B·nW, 1 + M², C] = concat(super token of window i, the M² patch tokens of window i)
 * </pre>
 *
 * Keeping this layout from one local layer to the next means window attention and the MLP run on it directly;
 * only the global mixing among super tokens and the way out to a patch grid reshape. Everything is reshape,
 * permute, slice and concat, which have correct gradients in SameDiff (no gather or scatter).
 */
public final class WindowLayout {
    private WindowLayout() {
    }

    /** Windows per image of an {@code h x w} grid; throws if {@code m} does not divide it. */
    public static long windowCount(long h, long w, int m) {
        if (m <= 0 || h % m != 0 || w % m != 0) {
            throw new IllegalArgumentException("window size " + m + " must divide the " + h + "x" + w + " token grid");
        }
        return (h / m) * (w / m);
    }

    /**
     * Patch tokens {@code [B, H·W, C]} (row-major) and learned super tokens {@code [1, nW, C]} (one per window, the
     * same for every image) to windows {@code [B·nW, 1 + M², C]}.
     */
    public static Tensor toWindows(Ops ops, Tensor tokens, long h, long w, int m, Tensor learned) {
        long c = tokens.dim(2);
        long nW = windowCount(h, w, m);
        ops.expectShape(tokens, "patch tokens [B, " + h + "*" + w + ", C]", -1, h * w, Ops.ANY);
        ops.expectShape(learned, "super tokens [1, " + nW + ", " + c + "]", 1, nW, c);
        Tensor s = ops.repeatOverBatch(tokens, learned); // [B, nW, C]
        Tensor grid = ops.reshape(tokens, -1, h, w, c); // [B, H, W, C]
        Tensor win = ops.reshape(ops.windowPartition(grid, m), -1, (long) m * m, c); // [B*nW, M, M, C] -> [B*nW, M², C]
        return ops.concat(1, ops.reshape(s, -1, 1, c), win); // [B*nW, 1 + M², C]
    }

    /** The patch tokens of windows {@code [B·nW, 1 + M², C]} back on the grid, {@code [B, H·W, C]}. */
    public static Tensor patchTokens(Ops ops, Tensor windows, long h, long w, int m) {
        long c = windows.dim(2);
        ops.expectShape(windows, "windows [B*nW, 1+" + m + "*" + m + ", C]", Ops.ANY, 1L + (long) m * m, Ops.ANY);
        Tensor p = ops.reshape(ops.slice(windows, 1, 1, 1L + (long) m * m), -1, m, m, c); // [B*nW, M, M, C]
        return ops.reshape(ops.windowReverse(p, m, h, w), -1, h * w, c); // [B, H, W, C] -> [B, H*W, C]
    }

    /** The super tokens of windows {@code [B·nW, 1 + M², C]}, {@code [B, nW, C]} in window order. */
    public static Tensor superTokens(Ops ops, Tensor windows, long windowCount) {
        return ops.reshape(ops.slice(windows, 1, 0, 1), -1, windowCount, windows.dim(2)); // [B*nW, 1, C] -> [B, nW, C]
    }

    /** Windows with their super tokens replaced by {@code s [B, nW, C]}. */
    public static Tensor withSuperTokens(Ops ops, Tensor windows, Tensor s) {
        long c = windows.dim(2);
        Tensor col = ops.reshape(s, -1, 1, c); // [B*nW, 1, C]
        return ops.concat(1, col, ops.slice(windows, 1, 1, windows.dim(1))); // [B*nW, 1 + M², C]
    }
}
