package dev.tokenmix.models.swat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every SWAT variant against the official code (kkahatapitiya/SWAT, each commented configuration instantiated with
 * PyTorch 1.13): exact parameter count, number of state_dict entries and the shapes that tell the B/32 variants apart (built, no
 * forward), and multiply-adds at 224
 * (counted over the built graph) within 2% of the GMACs counted from the official definitions.
 */
class SwatVariantsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "swat_deit_tiny_patch16_224, 5827883, 226",
        "swat_deit_small_patch16_224, 22264910, 226",
        "swat_deit_base_patch32_224, 86339252, 226",
        "swat_mixer_tiny_patch16_224, 5098572, 136",
        "swat_mixer_small_patch16_224, 18583696, 136",
        "swat_mixer_base_patch32_224, 58423863, 200",
        "swat_resmlp_12_224, 15560766, 200",
    })
    void parametersAndMacsEqualTheOfficialCode(String name, long params, int entries) {
        Model m = SwatVariants.variant(name).create(ModelOptions.defaults());
        assertEquals(params, m.parameterCount(), name + " parameters");
        assertEquals(entries, m.parameters().entries().size(), name + " state_dict entries");
        if (name.equals("swat_deit_base_patch32_224")) {
            // the B/32 tokenizer: proj22 is 2x2/s2 and the within-patch position embedding is 16x16
            assertArrayEquals(new long[] {12, 128, 2, 2}, m.parameters().get("patch_embed.proj22.weight").torchShape());
            assertArrayEquals(new long[] {1, 128, 16, 16}, m.parameters().get("patch_embed.pos_embed2").torchShape());
            assertArrayEquals(new long[] {1, 49, 768}, m.parameters().get("pos_embed").torchShape());
            assertArrayEquals(new long[] {36, 12, 3, 3}, m.parameters().get("blocks.11.attn.qkv.weight").torchShape());
            assertArrayEquals(new long[] {3072, 1, 3, 3}, m.parameters().get("blocks.11.mlp.fc3.weight").torchShape());
        }
        if (name.equals("swat_mixer_base_patch32_224")) {
            // 3 x 16 x 16 tokens: token mixing with depthwise 5x5, channel mixing with 3x3
            assertArrayEquals(new long[] {384, 1, 5, 5}, m.parameters().get("blocks.0.mlp_tokens.fc3.weight").torchShape());
            assertArrayEquals(new long[] {3072, 1, 3, 3}, m.parameters().get("blocks.0.mlp_channels.fc3.weight").torchShape());
            assertArrayEquals(new long[] {3, 128, 1, 1}, m.parameters().get("stem.proj22.weight").torchShape());
        }
        double g = m.macs() / 1e9;
        double paper = m.variant().paper().gmacs();
        assertTrue(Math.abs(g - paper) / paper <= 0.02, name + ": " + g + " GMACs against " + paper);
    }
}
