package dev.tokenmix.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The SWAT baselines (DeiT-S, ViT-B/32, Mixer-Ti/S/B-32, ResMLP-12) have exactly timm's parameter counts and
 * state_dict entries (built, no forward); where the paper reports GMACs, the count over the built graph is within 2%.
 */
class BaselineVariantsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "deit_small_patch16_224, 22050664, 152",
        "vit_base_patch32_224, 88224232, 152",
        "mixer_ti16_224, 5071112, 102",
        "mixer_s16_224, 18528264, 102",
        "mixer_b32_224, 60293428, 150",
        "resmlp_12_224, 15350872, 150",
    })
    void countsEqualTimm(String name, long params, int entries) {
        Model m = TokenMix.createModel(name, ModelOptions.defaults());
        assertEquals(params, m.parameterCount(), name + " parameters");
        assertEquals(entries, m.parameters().entries().size(), name + " state_dict entries");
        double paper = m.variant().paper().gmacs();
        if (!Double.isNaN(paper)) {
            double g = m.macs() / 1e9;
            assertTrue(Math.abs(g - paper) / paper <= 0.02, name + ": " + g + " GMACs against " + paper);
        }
    }
}
