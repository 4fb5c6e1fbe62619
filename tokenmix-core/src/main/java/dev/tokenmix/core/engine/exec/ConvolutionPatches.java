package dev.tokenmix.core.engine.exec;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The patches a dense convolution reads, unfolded into rows, so that its weight gradient is one matrix product.
 *
 * <p>Why: libnd4j's {@code conv2d_bp} always computes the input gradient as well. For a model's first convolution
 * the input is the image, whose gradient nothing reads, and in PaCa-ViT-Tiny that convolution's backward took
 * about 47 ms of a 3 s training step. The weight gradient alone is {@code rows^T dy}: a product of
 * {@code K = kH kW C} by the output positions, and the unfolding here, which copies each input value a few times.
 */
final class ConvolutionPatches {
    private final ParallelRanges parallel;

    ConvolutionPatches(ParallelRanges parallel) {
        this.parallel = parallel;
    }

    /** The geometry of a 2-D convolution: kernel, stride, padding and dilation, each as (height, width). */
    record Geometry(int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        int outHeight(int h) {
            return (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
        }

        int outWidth(int w) {
            return (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        }
    }

    /**
     * Writes the patches of dense {@code x} ({@code [B, H, W, C]} if {@code channelsLast}, else {@code [B, C, H, W]})
     * into dense {@code rows [B * H' * W', kH * kW * C]}: one row per output position, in the order of the
     * positions of a channels-last output, each row in the order of a {@code [kH, kW, C, O]} weight's first three
     * axes. Taps in the padding are zero.
     */
    void unfold(INDArray x, boolean channelsLast, Geometry g, INDArray rows) {
        int batch = Math.toIntExact(x.size(0));
        int c = Math.toIntExact(x.size(channelsLast ? 3 : 1));
        int h = Math.toIntExact(x.size(channelsLast ? 1 : 2));
        int w = Math.toIntExact(x.size(channelsLast ? 2 : 3));
        int oh = g.outHeight(h);
        int ow = g.outWidth(w);
        int k = g.kh() * g.kw() * c;
        int sample = h * w * c;
        // strides of a row, a column and a channel in one sample's values
        int rowStride = channelsLast ? w * c : w;
        int colStride = channelsLast ? c : 1;
        int chanStride = channelsLast ? 1 : h * w;
        FloatBuffer in = FloatKernels.view(x);
        FloatBuffer out = FloatKernels.view(rows);
        parallel.forTasks(batch, (from, end) -> {
            float[] image = new float[sample];
            float[] line = new float[ow * k]; // the rows of one line of output positions
            for (int b = from; b < end; b++) {
                in.get(b * sample, image, 0, sample);
                for (int oy = 0; oy < oh; oy++) {
                    Arrays.fill(line, 0f);
                    for (int ox = 0; ox < ow; ox++) {
                        int at = ox * k;
                        for (int ky = 0; ky < g.kh(); ky++) {
                            int iy = oy * g.sh() - g.ph() + ky * g.dh();
                            for (int kx = 0; kx < g.kw(); kx++) {
                                int ix = ox * g.sw() - g.pw() + kx * g.dw();
                                int tap = at + (ky * g.kw() + kx) * c;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                                    continue; // padding: stays zero
                                }
                                int src = iy * rowStride + ix * colStride;
                                for (int ch = 0; ch < c; ch++) {
                                    line[tap + ch] = image[src + ch * chanStride];
                                }
                            }
                        }
                    }
                    out.put(((b * oh) + oy) * ow * k, line, 0, line.length);
                }
            }
        });
    }
}
