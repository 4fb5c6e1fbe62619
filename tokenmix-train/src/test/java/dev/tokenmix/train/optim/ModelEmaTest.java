package dev.tokenmix.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.TokenMix;
import org.junit.jupiter.api.Test;

/** The EMA follows ModelEmaV2: ema = d ema + (1 - d) model on every entry. */
class ModelEmaTest {

    @Test
    void startsAsACopyAndMovesByTheDecay() {
        Model model = TokenMix.createModel("vit_test", ModelOptions.builder().numClasses(3).seed(1).build());
        Model shadow = TokenMix.createModel("vit_test", ModelOptions.builder().numClasses(3).seed(2).build());
        ModelEma ema = new ModelEma(model, shadow, 0.75);
        String key = "head.weight";
        double before = model.parameters().array(key).getDouble(0, 0);
        assertEquals(before, shadow.parameters().array(key).getDouble(0, 0), 0.0);

        model.parameters().array(key).putScalar(new long[] {0, 0}, before + 4.0);
        ema.update();
        assertEquals(0.75 * before + 0.25 * (before + 4.0), shadow.parameters().array(key).getDouble(0, 0), 1e-6);
        ema.update();
        double once = 0.75 * before + 0.25 * (before + 4.0);
        assertEquals(0.75 * once + 0.25 * (before + 4.0), shadow.parameters().array(key).getDouble(0, 0), 1e-6);
    }

    @Test
    void rejectsABadDecayAndTheSameModel() {
        Model model = TokenMix.createModel("vit_test", ModelOptions.builder().numClasses(3).build());
        assertThrows(IllegalArgumentException.class, () -> new ModelEma(model, model, 0.9));
        assertThrows(IllegalArgumentException.class, () -> new ModelEma(model,
                TokenMix.createModel("vit_test", ModelOptions.builder().numClasses(3).build()), 1.0));
    }
}
