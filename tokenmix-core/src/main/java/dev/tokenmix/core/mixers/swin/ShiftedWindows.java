package dev.tokenmix.core.mixers.swin;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.params.Scope;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Swin's (shifted) window partition (arXiv 2103.14030, Sec. 3.2): the map is rolled by {@code -shift} along both axes
 * ({@code torch.roll}, here two slices and a concat per axis), cut into {@code ws x ws} windows, and after attention
 * put back and rolled by {@code +shift}. Windows that wrap around the border hold pixels of up to four regions of the
 * unrolled map; the constant {@link #attentionMask} keeps pixels of different regions from attending to each other.
 */
public final class ShiftedWindows {
    /** The logit the official code adds between pixels of different regions. */
    public static final double MASKED = -100.0;

    private ShiftedWindows() {
    }

    /**
     * The official shift mask {@code [nW, ws², ws²]} of an {@code h x w} map: 0 where pixels {@code i} and {@code j}
     * of a window come from the same region of the unrolled map, {@link #MASKED} elsewhere. Regions split each axis
     * at {@code n - ws} and {@code n - shift}; windows are in row-major order, pixels row-major within a window.
     */
    public static INDArray attentionMask(int h, int w, int ws, int shift) {
        check(h, w, ws, shift);
        int nw = (h / ws) * (w / ws);
        int n = ws * ws;
        double[][][] mask = new double[nw][n][n];
        for (int wy = 0; wy < h / ws; wy++) {
            for (int wx = 0; wx < w / ws; wx++) {
                int win = wy * (w / ws) + wx;
                for (int i = 0; i < n; i++) {
                    int ri = region(wy * ws + i / ws, h, ws, shift) * 3 + region(wx * ws + i % ws, w, ws, shift);
                    for (int j = 0; j < n; j++) {
                        int rj = region(wy * ws + j / ws, h, ws, shift) * 3 + region(wx * ws + j % ws, w, ws, shift);
                        mask[win][i][j] = ri == rj ? 0.0 : MASKED;
                    }
                }
            }
        }
        return Nd4j.createFromArray(mask);
    }

    /** Registers the mask as the block's buffer {@code attn_mask} (as the official code does) and returns its key. */
    public static String registerMask(Scope block, int h, int w, int ws, int shift) {
        INDArray m = attentionMask(h, w, ws, shift);
        double[] flat = m.reshape(m.length()).toDoubleVector();
        return block.buffer("attn_mask", (out, shape, rnd) -> System.arraycopy(flat, 0, out, 0, flat.length),
                m.shape());
    }

    private static int region(int p, int n, int ws, int shift) {
        return p < n - ws ? 0 : p < n - shift ? 1 : 2;
    }

    private static void check(long h, long w, int ws, int shift) {
        if (ws <= 0 || h % ws != 0 || w % ws != 0) {
            throw new IllegalArgumentException("window size " + ws + " must divide the " + h + "x" + w + " map");
        }
        if (shift < 0 || shift >= ws) {
            throw new IllegalArgumentException("shift " + shift + " must be in [0, " + ws + ")");
        }
    }

    /**
     * Rolls {@code [B, H, W, C]} by {@code -shift} on both axes and cuts it into windows: {@code [B*nW, ws², C]},
     * windows row-major per image.
     */
    public static Tensor partition(Ops ops, Tensor x, int ws, int shift) {
        ops.expectShape(x, "window input [B, H, W, C]", -1, Ops.ANY, Ops.ANY, Ops.ANY);
        if (x.dim(1) % ws != 0 || x.dim(2) % ws != 0 || shift < 0 || shift >= ws) {
            throw ops.mismatch("window size " + ws + " (shift " + shift + ") does not tile the " + x.dim(1) + "x"
                    + x.dim(2) + " map " + x.shapeString());
        }
        Tensor t = shift == 0 ? x : ops.roll(ops.roll(x, -shift, 1), -shift, 2);
        Tensor win = ops.windowPartition(t, ws); // [B*nW, ws, ws, C]
        return ops.reshape(win, -1, (long) ws * ws, x.dim(3)); // [B*nW, ws*ws, C]
    }

    /** The inverse of {@link #partition}: {@code [B*nW, ws², C]} back to {@code [B, H, W, C]}, rolled by {@code +shift}. */
    public static Tensor merge(Ops ops, Tensor windows, int ws, int shift, long h, long w) {
        long c = windows.dim(2);
        Tensor t = ops.windowReverse(ops.reshape(windows, -1, ws, ws, c), ws, h, w); // [B, H, W, C]
        return shift == 0 ? t : ops.roll(ops.roll(t, shift, 1), shift, 2);
    }
}
