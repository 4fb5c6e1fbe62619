package dev.tokenmix.models.paca;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.PaperStats;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every official PaCa-ViT variant against the official code (iVMCL/PaCaViT, measured with PyTorch 1.13): exact
 * parameter count, number of state_dict entries, and MACs at 224 within 2% of the README's FLOPs.
 */
class PacaVitVariantsTest {

    static Stream<Arguments> variants() {
        return Stream.of(
                Arguments.of("pacavit_tiny_p2cconv_100_0", 12_200_680L, 239),
                Arguments.of("pacavit_small_p2cconv_100_0", 22_037_704L, 417),
                Arguments.of("pacavit_base_p2cconv_100_0", 46_911_304L, 577),
                Arguments.of("pacavit_small_p2cmlp_100_0", 22_637_268L, 414),
                Arguments.of("pacavit_small_p2cconv_2_0", 21_978_120L, 417),
                Arguments.of("pacavit_small_p2cconv_49_0", 22_006_696L, 417),
                Arguments.of("pacavit_small_p2cconv_49_100", 22_227_560L, 428),
                Arguments.of("pacavit_small_p2cconv_100_49", 22_210_696L, 428),
                Arguments.of("pacavit_small_p2cconv_100", 22_245_448L, 428),
                Arguments.of("pacavit_small_p2cconv_100_blockwise", 24_191_944L, 503),
                Arguments.of("pacavit_convmixer_tiny_100", 12_483_672L, 395),
                Arguments.of("pacavit_convmixer_small_100", 21_075_064L, 555),
                Arguments.of("pacavit_convmixer_base_100", 47_659_192L, 763));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void parametersAndMacsEqualTheOfficialCode(String name, long params, int entries) {
        Model m = PacaVitVariants.variant(name).create(ModelOptions.defaults());
        assertEquals(params, m.parameterCount(), name + " parameters");
        assertEquals(entries, m.stateDict().size(), name + " state_dict entries");
        PaperStats paper = m.variant().paper();
        long macs = m.macs();
        if (!Double.isNaN(paper.gmacs())) {
            double rel = Math.abs(macs / 1e9 - paper.gmacs()) / paper.gmacs();
            assertTrue(rel <= 0.02, name + ": " + macs + " MACs vs README " + paper.gmacs() + " G");
        }
    }
}
