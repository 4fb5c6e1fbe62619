package dev.tokenmix.models.glnet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Multiply-adds at 224 (counted over the built graph, no forward run) within 2% of the README's FLOPs, for one
 * variant of each layout (overlapped stem with CPE, and the Swin-like stl).
 */
class GlnetMacsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"glnet_4g", "glnet_stl"})
    void macsWithinTwoPercentOfTheReadme(String name) {
        Model m = GlnetVariants.variant(name).create(ModelOptions.defaults());
        double g = m.macs() / 1e9;
        double paper = m.variant().paper().gmacs();
        assertTrue(Math.abs(g - paper) / paper < 0.02, name + ": " + g + " GMACs against the README's " + paper);
    }
}
