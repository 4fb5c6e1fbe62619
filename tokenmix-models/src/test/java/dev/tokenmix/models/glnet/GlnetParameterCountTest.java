package dev.tokenmix.models.glnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The seven official GLNet variants have exactly the official code's parameter counts (built, no forward), and
 * the per-variant key shapes that distinguish them.
 */
class GlnetParameterCountTest {

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "glnet_stl, 30296786, 249",
        "glnet_stl_paramslot, 30481106, 259",
        "glnet_4g, 27001593, 641",
        "glnet_9g, 60010617, 641",
        "glnet_16g, 106055161, 701",
        "glnet_4g_tklb, 27514593, 643",
        "glnet_9g_tklb, 60779617, 643",
    })
    void countsEqualTheOfficialCode(String name, long params, int entries) {
        Model m = GlnetVariants.variant(name).create(ModelOptions.defaults());
        assertEquals(params, m.parameterCount(), name + " parameters");
        assertEquals(entries, m.parameters().entries().size(), name + " state_dict entries");
        if (name.equals("glnet_16g")) {
            assertArrayEquals(new long[] {512}, m.parameters().get("stages.2.blocks.1.ls1.gamma").torchShape());
            assertArrayEquals(new long[] {1, 512, 1, 1}, m.parameters().get("stages.2.blocks.1.ls2.gamma").torchShape());
            assertArrayEquals(new long[] {1, 512, 1, 1}, m.parameters().get("stages.2.blocks.0.ls1.gamma").torchShape());
        }
        if (name.equals("glnet_stl_paramslot")) {
            assertArrayEquals(new long[] {1, 64, 384}, m.parameters().get("stages.2.blocks.5.init_slots").torchShape());
        }
    }
}
