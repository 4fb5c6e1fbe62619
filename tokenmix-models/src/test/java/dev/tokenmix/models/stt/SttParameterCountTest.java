package dev.tokenmix.models.stt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Parameter counts of the STT variants (built, no graph) against the per-layer formula of docs/models.md, and
 * those with a paper size ({@code stt_s25_224}: 49M) within 5% of it.
 */
class SttParameterCountTest {

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "stt_s25_224, 48891160",
        "stt_t25_224, 12431872",
        "stt_test, 56528",
    })
    void countsFollowTheFormula(String name, long params) {
        Model m = SttVariants.variant(name).create(ModelOptions.defaults());
        assertEquals(params, m.parameterCount(), name);
        double paper = m.variant().paper().paramsM() * 1e6;
        if (!Double.isNaN(paper)) {
            assertTrue(Math.abs(m.parameterCount() - paper) <= 0.05 * paper, name + " is the paper's size: "
                    + m.parameterCount() + " vs " + paper);
        }
    }
}
