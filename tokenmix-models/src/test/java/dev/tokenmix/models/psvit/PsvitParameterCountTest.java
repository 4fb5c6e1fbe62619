package dev.tokenmix.models.psvit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Parameter counts of the PSViT variants (built, no graph) against the per-layer formula of docs/models.md: patch
 * embedding {@code 3p²C + C}, class token and position embedding {@code (G² + 2)C}, a block {@code 12C² + 13C}, a
 * sharing block {@code 10C² + 11C}, final norm {@code 2C}, head {@code 1000C + 1000} (psvit_test: MLP ratio 2,
 * so {@code 8C² + 11C} and {@code 6C² + 9C}, and one learned 3x3 pooling of {@code 10C}). psvit_base (86,577,640 by
 * the same formula) differs from psvit_small only in width and is left out to keep the suite fast.
 */
class PsvitParameterCountTest {

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "psvit_tiny, 5719912",
        "psvit_small, 22055656",
        "psvit_test, 63656",
    })
    void countsFollowTheFormula(String name, long params) {
        Model m = PsvitVariants.variant(name).create(ModelOptions.defaults());
        assertEquals(params, m.parameterCount(), name);
    }
}
