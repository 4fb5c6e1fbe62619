package dev.tokenmix.core.nn;

import static dev.tokenmix.core.testing.Graphs.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.params.Param;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.testing.Dense;
import dev.tokenmix.core.testing.Graphs;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link Conv2d} against a naive convolution on PyTorch-layout weights: the weights are written into the store
 * with {@code Layout.fromTorch} (as a checkpoint loader does) and read back with {@code toTorch}, so this also
 * checks the layouts' element order, including a depthwise channel multiplier (output channel {@code c*m + j}).
 * The dilated float cases run through the kernel with its zeros spelled out, which oneDNN accepts.
 */
class Conv2dForwardTest {

    @ParameterizedTest(name = "in={0} out={1} k={2} stride={3}x{4} pad={5}x{6} dil={7} groups={8} bias={9} {10}")
    @CsvSource({
        "3, 4, 3, 2, 2, 1, 1, 1, 1, true, DOUBLE",
        "2, 3, 3, 1, 1, 2, 2, 2, 1, true, DOUBLE",
        "3, 2, 2, 1, 2, 0, 1, 1, 1, false, DOUBLE",
        "4, 6, 3, 1, 1, 1, 1, 1, 2, true, DOUBLE",
        "6, 6, 1, 1, 1, 0, 0, 1, 3, true, DOUBLE",
        "3, 3, 3, 1, 1, 1, 1, 1, 3, true, DOUBLE",
        "2, 4, 3, 2, 2, 1, 1, 1, 2, true, DOUBLE",
        "2, 6, 5, 1, 1, 4, 4, 2, 2, false, DOUBLE",
        "3, 4, 4, 4, 4, 0, 0, 1, 1, true, DOUBLE",
        "3, 4, 3, 2, 2, 1, 1, 1, 1, true, FLOAT",
        "4, 6, 3, 1, 1, 1, 1, 1, 2, true, FLOAT",
        "2, 4, 3, 2, 2, 1, 1, 1, 2, true, FLOAT",
        "4, 4, 7, 1, 1, 3, 3, 1, 4, true, FLOAT",
        "2, 3, 3, 1, 1, 2, 2, 2, 1, true, FLOAT",
        "2, 6, 5, 2, 1, 4, 4, 2, 2, false, FLOAT",
        "3, 3, 3, 2, 2, 2, 1, 2, 3, true, FLOAT"
    })
    void matchesNaiveConvolutionOnPyTorchWeights(int in, int out, int k, int sh, int sw, int ph, int pw,
                                                 int dil, int groups, boolean bias, DataType dt) {
        ParameterStore store = new ParameterStore(dt);
        Scope scope = Scope.root(store, 3);
        Conv2d c = Conv2d.builder(scope.child("c"), in, out, k).stride(sh, sw).padding(ph, pw).dilation(dil)
                .groups(groups).bias(bias).build();
        Dense w = Dense.random(100 + in * out, out, in / groups, k, k);
        Param wp = store.get("c.weight");
        assertArrayEquals(w.longShape(), wp.torchShape());
        store.array("c.weight").assign(wp.layout().fromTorch(w.toNd4j(dt), wp.array().shape()));
        assertArrayEquals(w.v, Dense.of(wp.layout().toTorch(wp.array(), wp.torchShape())).v,
                dt == DataType.DOUBLE ? 0 : 1e-7);
        double[] bv = null;
        if (bias) {
            Dense bd = Dense.random(7, out);
            store.array("c.bias").assign(bd.toNd4j(dt));
            bv = bd.v;
        }
        Dense x = Dense.random(9, 2, in, 7, 6);
        INDArray y = Graphs.run(store, Mode.EVAL, x.toNd4j(dt), c::apply);
        Dense wRead = Dense.of(wp.layout().toTorch(wp.array(), wp.torchShape()));
        Dense expected = dev.tokenmix.core.testing.Reference.conv2d(x, wRead, bv, new int[] {sh, sw},
                new int[] {ph, pw}, new int[] {dil, dil}, groups);
        assertClose(expected, y, dt == DataType.DOUBLE ? 1e-12 : 2e-5);
    }
}
