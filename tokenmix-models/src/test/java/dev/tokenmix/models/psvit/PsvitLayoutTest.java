package dev.tokenmix.models.psvit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.mixers.psvit.PoolingKind;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.ModelSummary;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Token counts per block as documented in docs/models.md (read from the built graph), and what a sharing block
 * owns and computes in a whole model.
 */
class PsvitLayoutTest {

    /** Output shapes of {@code blocks.i} in the built graph, in block order. */
    private static List<String> blockShapes(ModelSummary s, int depth) {
        List<String> shapes = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            String path = "blocks." + i;
            shapes.add(s.rows().stream().filter(r -> r.path().equals(path)).findFirst().orElseThrow().outputShape());
        }
        return shapes;
    }

    private static List<String> repeat(String shape, int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(shape);
        }
        return l;
    }

    @Test
    void psvitTinyHasTheDocumentedTokenCountsPerBlock() {
        Model m = PsvitVariants.variant("psvit_tiny").create(ModelOptions.builder().numClasses(0).build());
        // docs/models.md: 785 tokens (28x28 + class) in block 0, 197 (14x14 + 1) in blocks 1-8, 50 (7x7 + 1) in 9-12
        List<String> expected = new ArrayList<>(repeat("[B, 785, 192]", 1));
        expected.addAll(repeat("[B, 197, 192]", 8));
        expected.addAll(repeat("[B, 50, 192]", 4));
        assertEquals(expected, blockShapes(m.summary(224, 224), 13));
        assertArrayEquals(new long[] {785, 197, 197, 197, 197, 197, 197, 197, 197, 50, 50, 50, 50},
                ((Psvit) m).config().tokensPerBlock());
        assertEquals("A|AsAsAsAs|AsAs", ((Psvit) m).config().layout());
    }

    @Test
    void psvitTestPoolsFourByFourToTwoByTwo() {
        Model m = PsvitVariants.variant("psvit_test").create(ModelOptions.defaults());
        assertEquals(List.of("[B, 17, 32]", "[B, 5, 32]", "[B, 5, 32]"), blockShapes(m.summary(32, 32), 3));
    }

    @Test
    void aSharingBlockOwnsNoQueryKeyAndComputesNoScores() {
        Model m = PsvitVariants.variant("psvit_test").create(ModelOptions.defaults());
        long c = 32;
        long n = 5; // blocks 1 and 2: 2x2 grid + class token; block 2 reuses block 1's map
        assertFalse(m.parameters().contains("blocks.2.attn.qkv.weight"));
        assertTrue(m.parameters().contains("blocks.2.attn.v.weight") && m.parameters().contains("blocks.1.attn.qkv.weight"));
        assertEquals(4 * c * c + 4 * c, m.parameters().parameterCount("blocks.1.attn"));
        assertEquals(2 * c * c + 2 * c, m.parameters().parameterCount("blocks.2.attn"));
        ModelSummary s = m.summary(32, 32);
        long own = s.rows().stream().filter(r -> r.path().equals("blocks.1.attn")).findFirst().orElseThrow().macs();
        long shared = s.rows().stream().filter(r -> r.path().equals("blocks.2.attn")).findFirst().orElseThrow().macs();
        assertEquals(4 * n * c * c + 2 * n * n * c, own, "qkv, q k^T, A v, proj");
        assertEquals(2 * n * c * c + n * n * c, shared, "v, A v, proj only");
    }

    @Test
    void sharingGroupsRestartAfterEachPooling() {
        boolean[] s = PsvitConfig.sharingGroups(9, new int[] {2, 6}, 3);
        assertArrayEquals(new boolean[] {false, true, false, true, true, false, false, true, true}, s);
    }

    @Test
    void invalidLayoutsNameTheOffendingBlock() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PsvitConfig(32, 4, 32, 2,
                2.0, true, new int[] {2}, PoolingKind.AVG, 2, 2, new boolean[] {false, true, true, false}, "token", 1e-6));
        assertTrue(e.getMessage().contains("block 2"), e.getMessage());
        IllegalArgumentException p = assertThrows(IllegalArgumentException.class, () -> new PsvitConfig(32, 4, 32, 2,
                2.0, true, new int[] {3, 2}, PoolingKind.AVG, 2, 2, new boolean[4], "token", 1e-6));
        assertTrue(p.getMessage().contains("poolAt=[3, 2]"), p.getMessage());
    }
}
