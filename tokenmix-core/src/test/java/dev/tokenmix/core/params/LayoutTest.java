package dev.tokenmix.core.params;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.testing.Dense;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Conversions between PyTorch's tensor layouts and the layouts the graph uses, element by element. */
class LayoutTest {

    @Test
    void convWeightIsStoredAsKernelInputOutput() {
        Dense torch = Dense.random(1, 5, 3, 2, 4); // [O, I, kH, kW]
        INDArray stored = Layout.CONV_YXIO.fromTorch(torch.toNd4j());
        assertArrayEquals(new long[] {2, 4, 3, 5}, stored.shape());
        for (int o = 0; o < 5; o++) {
            for (int i = 0; i < 3; i++) {
                for (int u = 0; u < 2; u++) {
                    for (int t = 0; t < 4; t++) {
                        assertEquals(torch.get(o, i, u, t), stored.getDouble(u, t, i, o), 0.0);
                    }
                }
            }
        }
        INDArray back = Layout.CONV_YXIO.toTorch(stored, torch.longShape());
        assertArrayEquals(torch.v, Dense.of(back).v, 0.0);
        assertArrayEquals(torch.shape, Dense.of(back).shape);
    }

    @Test
    void depthwiseWeightWithMultiplierTwoKeepsPyTorchChannelOrder() {
        int c = 3;
        int m = 2;
        Dense torch = Dense.random(2, c * m, 1, 3, 2); // [C*m, 1, kH, kW], out channel c*m + j reads channel c
        INDArray stored = Layout.DEPTHWISE_YXCM.fromTorch(torch.toNd4j(), new long[] {3, 2, c, m});
        assertArrayEquals(new long[] {3, 2, c, m}, stored.shape());
        for (int ch = 0; ch < c; ch++) {
            for (int j = 0; j < m; j++) {
                for (int u = 0; u < 3; u++) {
                    for (int t = 0; t < 2; t++) {
                        assertEquals(torch.get(ch * m + j, 0, u, t), stored.getDouble(u, t, ch, j), 0.0);
                    }
                }
            }
        }
        INDArray back = Layout.DEPTHWISE_YXCM.toTorch(stored, torch.longShape());
        assertArrayEquals(torch.shape, Dense.of(back).shape);
        assertArrayEquals(torch.v, Dense.of(back).v, 0.0);
    }

    @Test
    void depthwiseMultiplierOneRoundTrips() {
        Dense torch = Dense.random(3, 4, 1, 3, 3);
        INDArray stored = Layout.DEPTHWISE_YXCM.fromTorch(torch.toNd4j(), new long[] {3, 3, 4, 1});
        assertEquals(torch.get(2, 0, 1, 0), stored.getDouble(1, 0, 2, 0), 0.0);
        assertArrayEquals(torch.v, Dense.of(Layout.DEPTHWISE_YXCM.toTorch(stored, torch.longShape())).v, 0.0);
    }

    @Test
    void depthwiseConversionNeedsAConsistentStoredShape() {
        INDArray torch = Dense.random(4, 6, 1, 3, 3).toNd4j();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Layout.DEPTHWISE_YXCM.fromTorch(torch));
        assertEquals(true, e.getMessage().contains("stored shape"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Layout.DEPTHWISE_YXCM.fromTorch(torch, new long[] {3, 3, 4, 2}));
    }

    @Test
    void torchLayoutIsACopy() {
        INDArray a = Dense.random(5, 2, 3).toNd4j();
        INDArray b = Layout.TORCH.fromTorch(a);
        assertEquals(a, b);
        b.addi(1);
        assertEquals(false, a.equals(b), "fromTorch must not alias its argument");
        assertEquals(a, Layout.TORCH.toTorch(a, a.shape()));
    }

    @Test
    void conv2dRegistersItsWeightInTheGraphLayoutWithThePyTorchShape() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        Scope s = Scope.root(store, 1);
        Conv2d.builder(s.child("conv"), 4, 6, 3).groups(2).build();
        Conv2d.builder(s.child("dw"), 2, 6, 5).groups(2).build();
        Param conv = store.get("conv.weight");
        assertEquals(Layout.CONV_YXIO, conv.layout());
        assertArrayEquals(new long[] {6, 2, 3, 3}, conv.torchShape());
        assertArrayEquals(new long[] {3, 3, 2, 6}, conv.array().shape());
        Param dw = store.get("dw.weight");
        assertEquals(Layout.DEPTHWISE_YXCM, dw.layout());
        assertArrayEquals(new long[] {6, 1, 5, 5}, dw.torchShape());
        assertArrayEquals(new long[] {5, 5, 2, 3}, dw.array().shape());
        assertEquals(6 * 2 * 9 + 6 + 6 * 25 + 6, store.parameterCount());
    }

    @Test
    void scopeFillsInitialValuesInPyTorchOrder() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE);
        Init index = (out, shape, rnd) -> {
            for (int i = 0; i < out.length; i++) {
                out[i] = i;
            }
        };
        String key = Scope.root(store, 1).parameter("w", index, Layout.DEPTHWISE_YXCM, new long[] {2, 2, 2, 3},
                new long[] {6, 1, 2, 2});
        INDArray stored = store.array(key);
        // torch element [c*3 + j, 0, u, t] has flat index (c*3 + j)*4 + u*2 + t
        assertEquals((1 * 3 + 2) * 4 + 1 * 2 + 0, stored.getDouble(1, 0, 1, 2), 0.0);
        assertEquals((0 * 3 + 1) * 4 + 0 * 2 + 1, stored.getDouble(0, 1, 0, 1), 0.0);
    }
}
