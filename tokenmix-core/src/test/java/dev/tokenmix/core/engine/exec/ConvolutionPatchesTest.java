package dev.tokenmix.core.engine.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenmix.core.testing.Dense;
import dev.tokenmix.core.testing.Reference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The unfolded patches times the weight, row by row, are the convolution: against the reference convolution, with
 * unequal strides, paddings and dilations, in both layouts, split over two threads.
 */
class ConvolutionPatchesTest {

    @ParameterizedTest(name = "channels last: {0}")
    @ValueSource(booleans = {false, true})
    void patchesTimesTheWeightAreTheConvolution(boolean channelsLast) {
        int batch = 3;
        int c = 2;
        int o = 4;
        int[] stride = {2, 1};
        int[] pad = {2, 1};
        int[] dil = {2, 1};
        Dense x = Dense.random(51, batch, c, 7, 8);
        Dense w = Dense.random(52, o, c, 3, 3); // PyTorch's [O, C, kH, kW]
        Dense want = Reference.conv2d(x, w, null, stride, pad, dil, 1); // [B, O, H', W']
        int oh = want.dim(2);
        int ow = want.dim(3);

        INDArray in = x.toNd4j(DataType.FLOAT);
        if (channelsLast) {
            in = in.permute(0, 2, 3, 1).dup('c');
        }
        int k = 3 * 3 * c;
        INDArray rows = Nd4j.create(DataType.FLOAT, (long) batch * oh * ow, k);
        new ConvolutionPatches(new ParallelRanges(2)).unfold(in, channelsLast,
                new ConvolutionPatches.Geometry(3, 3, stride[0], stride[1], pad[0], pad[1], dil[0], dil[1]), rows);
        Dense r = Dense.of(rows);
        for (int b = 0; b < batch; b++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int row = (b * oh + oy) * ow + ox;
                    for (int oc = 0; oc < o; oc++) {
                        double sum = 0;
                        for (int ky = 0; ky < 3; ky++) {
                            for (int kx = 0; kx < 3; kx++) {
                                for (int ch = 0; ch < c; ch++) { // a row is ordered as [kH, kW, C]
                                    sum += r.v[row * k + (ky * 3 + kx) * c + ch]
                                            * w.v[((oc * c + ch) * 3 + ky) * 3 + kx];
                                }
                            }
                        }
                        double expected = want.v[((b * o + oc) * oh + oy) * ow + ox];
                        assertEquals(expected, sum, 1e-5, "sample " + b + ", position " + oy + "," + ox);
                    }
                }
            }
        }
    }
}
