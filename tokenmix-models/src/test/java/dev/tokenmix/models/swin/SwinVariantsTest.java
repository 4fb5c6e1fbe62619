package dev.tokenmix.models.swin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.params.Param;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.TokenMix;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Swin and SWAT Swin variants against the official code (timm 0.4.13 / kkahatapitiya/SWAT, counted with PyTorch
 * 1.13), built without a graph: exact parameter counts, state_dict sizes, and for the tiny ones the official
 * state_dict's keys, shapes and dtypes ({@code parity/<name>-224/keys.tsv}). Multiply-adds and logits are checked by
 * {@link SwinReferenceIT}.
 */
class SwinVariantsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "swin_tiny_patch4_window7_224, 28288354, 190",
        "swin_small_patch4_window7_224, 49606258, 364",
        "swat_swin_tiny_patch4_window7_224, 27110704, 246",
        "swat_swin_small_patch4_window7_224, 48915760, 468",
    })
    void parameterCountsEqualTheOfficialCode(String name, long params, int entries) {
        Model m = SwinVariants.variant(name).create(ModelOptions.defaults());
        assertEquals(params, m.parameterCount(), name + " parameters");
        assertEquals(entries, m.parameters().entries().size(), name + " state_dict entries");
        assertTrue(TokenMix.listModels("*swin*").contains(name), name + " is registered");
        if (name.contains("tiny")) {
            assertOfficialKeys(name, m);
        }
        if (name.equals("swat_swin_tiny_patch4_window7_224")) {
            ParameterStore p = m.parameters();
            assertArrayEquals(new long[] {72, 24, 1, 1}, p.get("layers.0.blocks.0.attn.qkv.weight").torchShape());
            assertArrayEquals(new long[] {288, 96}, p.get("layers.0.blocks.1.attn.qkv.weight").torchShape(),
                    "shifted blocks keep the plain window attention");
            assertFalse(p.contains("layers.3.blocks.1.attn_mask"), "stage 4 is one window: no shift");
            assertArrayEquals(new long[] {9, 3, 5, 5}, p.get("layers.3.blocks.1.attn.qkv.weight").torchShape());
        }
    }

    /**
     * Same keys and shapes as the official state_dict, read from the store (no copy of the weights); the plain Swin
     * also in the same order. The official int64 entries are exactly the relative position indices, which
     * {@link SwinTransformer#stateDict()} writes as int64 ({@link SwinCheckpointFilterTest}).
     */
    private static void assertOfficialKeys(String name, Model m) {
        List<OfficialKeys.Entry> want = OfficialKeys.of(name);
        Map<String, OfficialKeys.Entry> byKey = new LinkedHashMap<>();
        want.forEach(e -> byKey.put(e.key(), e));
        List<String> own = new ArrayList<>();
        for (Param p : m.parameters().entries()) {
            own.add(p.key());
            OfficialKeys.Entry w = byKey.get(p.key());
            assertTrue(w != null, name + ": " + p.key() + " is not in the official state_dict");
            assertArrayEquals(w.shape(), p.torchShape(), "shape of " + w.key());
            assertEquals(w.dtype().equals("int64"), p.key().endsWith("relative_position_index"), "dtype of " + w.key());
        }
        assertEquals(new java.util.HashSet<>(byKey.keySet()), new java.util.HashSet<>(own), name + ": state_dict keys");
        if (!name.startsWith("swat_")) {
            // SWAT's shared attention registers qkv_linear before qkv; loading does not depend on the order
            assertEquals(new ArrayList<>(byKey.keySet()), own, name + ": state_dict order");
        }
    }

    @Test
    void invalidConfigsNameTheOffendingValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SwinConfig(224, 4, 96, new int[] {2, 2}, new int[] {3, 5}, 7, 4.0, true, null));
        assertTrue(e.getMessage().contains("heads 5") && e.getMessage().contains("192"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new SwinConfig(224, 4, 96, new int[] {2, 2, 6, 2}, new int[] {3, 6, 12, 24}, 7, 4.0, true,
                        new SwatSwinSettings(2, 128, new int[] {1, 1, 3}, new int[] {5, 5, 5, 3}, new int[] {3, 5, 9})));
        assertTrue(e.getMessage().contains("[1, 1, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new SwinConfig(200, 4, 96, new int[] {2, 2}, new int[] {3, 6}, 7, 4.0, true, null));
        assertTrue(e.getMessage().contains("50x50") && e.getMessage().contains("windowSize=7"), e.getMessage());
    }
}
