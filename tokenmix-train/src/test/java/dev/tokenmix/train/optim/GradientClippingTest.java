package dev.tokenmix.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Global-norm clipping against {@code torch.nn.utils.clip_grad_norm_}'s rule worked by hand. */
class GradientClippingTest {

    private static Map<String, INDArray> grads() {
        Map<String, INDArray> g = new LinkedHashMap<>();
        g.put("a", Nd4j.createFromArray(3.0, 0.0));
        g.put("b", Nd4j.createFromArray(new double[][] {{0.0, 4.0}}));
        return g; // global norm 5
    }

    @Test
    void scalesEveryGradientByMaxNormOverNorm() {
        Map<String, INDArray> g = grads();
        double norm = GradientClipping.clipGlobalNorm(g, 1.0);
        assertEquals(5.0, norm, 1e-12);
        double scale = 1.0 / (5.0 + 1e-6);
        assertEquals(3.0 * scale, g.get("a").getDouble(0), 1e-12);
        assertEquals(4.0 * scale, g.get("b").getDouble(0, 1), 1e-12);
        assertEquals(1.0, GradientClipping.globalNorm(g), 1e-6);
    }

    @Test
    void leavesSmallGradientsAlone() {
        Map<String, INDArray> g = grads();
        GradientClipping.clipGlobalNorm(g, 10.0);
        assertEquals(3.0, g.get("a").getDouble(0), 0.0);
        assertEquals(4.0, g.get("b").getDouble(0, 1), 0.0);
    }
}
