package dev.tokenmix.models.stt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.mixers.stt.GlobalMixKind;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.ModelSummary;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Token layout per layer as documented in docs/models.md (read from the built graph), and config validation. */
class SttLayoutTest {

    @Test
    void localLayersSeeWindowsAndHigherLayersOnlySuperTokens() {
        Model m = SttVariants.variant("stt_t25_224").create(ModelOptions.builder().numClasses(0).build());
        ModelSummary s = m.summary(224, 224);
        List<String> shapes = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            String path = "blocks." + i;
            shapes.add(s.rows().stream().filter(r -> r.path().equals(path)).findFirst().orElseThrow().outputShape());
        }
        // docs/models.md: 6 local layers on 16 windows of 7x7 patches + 1 super token, then 19 layers on the class
        // token and the 16 super tokens
        for (int i = 0; i < 25; i++) {
            assertEquals(i < 6 ? "[B*16, 50, 192]" : "[B, 17, 192]", shapes.get(i), "block " + i);
        }
        long local = s.rows().stream().filter(r -> r.path().equals("blocks.5")).findFirst().orElseThrow().macs();
        long global = s.rows().stream().filter(r -> r.path().equals("blocks.6")).findFirst().orElseThrow().macs();
        assertTrue(local > 40 * global, "a super-token layer costs a fraction of a local one: " + local + " vs " + global);
    }

    @Test
    void aWindowThatDoesNotDivideTheGridIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SttConfig(224,
                new int[] {48, 96, 192}, 384, 6, 4.0, true, 6, 6, 19, GlobalMixKind.ATTENTION, 3, "token", 1e-6));
        assertTrue(e.getMessage().contains("window=6"), e.getMessage());
    }
}
