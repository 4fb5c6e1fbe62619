package dev.tokenmix.models.vit;

import static org.junit.jupiter.api.Assertions.*;

import dev.tokenmix.models.Model;
import dev.tokenmix.models.TokenMix;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class DeitTinyTest {
    @Test
    void parameterCountAndMacs() {
        Model m = TokenMix.createModel("deit_tiny_patch16_224");
        assertEquals(5_717_416L, m.parameterCount());
        long macs = m.macs();
        System.err.println("MACS " + macs);
        long t0 = System.nanoTime();
        INDArray y = m.forward(Nd4j.rand(DataType.FLOAT, 2, 3, 224, 224));
        System.err.println("fwd ms " + (System.nanoTime() - t0) / 1e6);
        t0 = System.nanoTime();
        y = m.forward(Nd4j.rand(DataType.FLOAT, 2, 3, 224, 224));
        System.err.println("fwd2 ms " + (System.nanoTime() - t0) / 1e6);
        assertArrayEquals(new long[] {2, 1000}, y.shape());
    }
}
