package dev.tokenmix.models.weights;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Resampling of learned absolute position embeddings to another token grid, as timm's
 * {@code resample_abs_pos_embed}: the class/prefix tokens are kept, the grid part is resized with PyTorch's bicubic
 * interpolation ({@code align_corners=False}, cubic coefficient -0.75, border indices clamped).
 */
public final class PositionEmbeddings {
    private PositionEmbeddings() {
    }

    /**
     * {@code [1, prefix + oldH*oldW, D]} to {@code [1, prefix + newH*newW, D]}.
     */
    public static INDArray resample(INDArray posEmbed, int prefix, int oldH, int oldW, int newH, int newW) {
        long d = posEmbed.size(2);
        if (posEmbed.size(1) != prefix + (long) oldH * oldW) {
            throw new IllegalArgumentException("position embedding " + java.util.Arrays.toString(posEmbed.shape())
                    + " is not " + prefix + " prefix tokens + a " + oldH + "x" + oldW + " grid");
        }
        INDArray src = posEmbed.castTo(DataType.DOUBLE).reshape(prefix + (long) oldH * oldW, d);
        INDArray mh = Nd4j.createFromArray(bicubicMatrix(oldH, newH)); // [newH, oldH]
        INDArray mw = Nd4j.createFromArray(bicubicMatrix(oldW, newW)); // [newW, oldW]
        INDArray grid = src.get(NDArrayIndex.interval(prefix, prefix + (long) oldH * oldW), NDArrayIndex.all())
                .dup().reshape(oldH, (long) oldW * d); // [oldH, oldW*D]
        INDArray rows = mh.mmul(grid).reshape(newH, oldW, d).permute(1, 0, 2).dup()
                .reshape(oldW, (long) newH * d); // [oldW, newH*D]
        INDArray both = mw.mmul(rows).reshape(newW, newH, d).permute(1, 0, 2).dup()
                .reshape((long) newH * newW, d); // [newH*newW, D]
        INDArray out = prefix == 0 ? both
                : Nd4j.concat(0, src.get(NDArrayIndex.interval(0, prefix), NDArrayIndex.all()).dup(), both);
        return out.reshape(1, prefix + (long) newH * newW, d).castTo(posEmbed.dataType());
    }

    /** {@code [out, in]} weights of PyTorch's 1-D bicubic interpolation with {@code align_corners=False}. */
    static double[][] bicubicMatrix(int in, int out) {
        double[][] m = new double[out][in];
        double scale = (double) in / out;
        for (int o = 0; o < out; o++) {
            double src = scale * (o + 0.5) - 0.5;
            int i0 = (int) Math.floor(src);
            double t = src - i0;
            double[] w = {cubic2(t + 1), cubic1(t), cubic1(1 - t), cubic2(2 - t)};
            for (int k = 0; k < 4; k++) {
                int idx = Math.min(Math.max(i0 - 1 + k, 0), in - 1);
                m[o][idx] += w[k];
            }
        }
        return m;
    }

    private static final double A = -0.75;

    /** Cubic convolution kernel for |x| <= 1. */
    private static double cubic1(double x) {
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    /** Cubic convolution kernel for 1 < |x| < 2. */
    private static double cubic2(double x) {
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }
}
