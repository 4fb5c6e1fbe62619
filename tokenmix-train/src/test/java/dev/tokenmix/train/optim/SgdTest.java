package dev.tokenmix.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tokenmix.core.params.Layout;
import dev.tokenmix.core.params.Param;
import dev.tokenmix.core.params.ParameterStore;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** SGD against PyTorch's {@code torch.optim.SGD} update written out by hand. */
class SgdTest {
    private static final double LR = 0.1;
    private static final double M = 0.9;
    private static final double WD = 0.01;

    private static ParameterStore store() {
        ParameterStore s = new ParameterStore(DataType.DOUBLE);
        s.add("w", Nd4j.createFromArray(new double[][] {{1.0, -2.0}}), Param.Kind.PARAMETER, Layout.TORCH,
                new long[] {1, 2});
        s.add("b", Nd4j.createFromArray(0.5), Param.Kind.PARAMETER, Layout.TORCH, new long[] {1});
        return s;
    }

    @Test
    void nesterovTwoStepsMatchTheFormula() {
        ParameterStore s = store();
        Sgd sgd = new Sgd(s, LR, M, true, WD, WeightDecayRule.ranksOnly());
        double w = 1.0;
        double b = 0.5;
        double[] gw = {0.3, -0.7};
        double[] gb = {0.2, 0.4};
        double bufW = 0;
        double bufB = 0;
        for (int t = 0; t < 2; t++) {
            sgd.step(Map.of("w", Nd4j.createFromArray(new double[][] {{gw[t], 0.0}}),
                    "b", Nd4j.createFromArray(gb[t])));
            double g = gw[t] + WD * w;
            bufW = t == 0 ? g : M * bufW + g;
            w -= LR * (g + M * bufW);
            double h = gb[t];
            bufB = t == 0 ? h : M * bufB + h;
            b -= LR * (h + M * bufB);
            assertEquals(w, s.array("w").getDouble(0, 0), 1e-12, "step " + t);
            assertEquals(b, s.array("b").getDouble(0), 1e-12, "biases take no weight decay, step " + t);
        }
    }

    @Test
    void plainMomentumUsesTheBuffer() {
        ParameterStore s = store();
        Sgd sgd = new Sgd(s, LR, M, false, 0.0, WeightDecayRule.ranksOnly());
        sgd.step(Map.of("b", Nd4j.createFromArray(1.0)));
        sgd.step(Map.of("b", Nd4j.createFromArray(1.0)));
        // buf: 1, then 0.9 + 1 = 1.9; p = 0.5 - 0.1 - 0.19
        assertEquals(0.5 - 0.1 - 0.19, s.array("b").getDouble(0), 1e-12);
    }

    @Test
    void rejectsBadSettings() {
        assertThrows(IllegalArgumentException.class,
                () -> new Sgd(store(), LR, 0.0, true, 0, WeightDecayRule.ranksOnly()));
        assertThrows(IllegalArgumentException.class,
                () -> new Sgd(store(), LR, 1.0, false, 0, WeightDecayRule.ranksOnly()));
    }
}
