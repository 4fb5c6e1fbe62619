package dev.tokenmix.models.swin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.TokenMix;
import dev.tokenmix.models.weights.LoadReport;
import dev.tokenmix.models.weights.ModelFiles;
import java.nio.file.Path;
import dev.tokenmix.models.weights.WeightLoader;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Checkpoints in current timm's Swin layout ({@code layers.(i+1).downsample}, {@code head.fc}, no relative position
 * indices or shift masks) load strictly and give the same outputs as the official layout they were made from; a saved
 * model loads back.
 */
class SwinCheckpointFilterTest {
    private static final Pattern DOWNSAMPLE = Pattern.compile("^layers\\.(\\d+)\\.downsample\\.");

    /** What current timm's state_dict of the same weights looks like. */
    private static Map<String, INDArray> currentTimmLayout(Map<String, INDArray> official) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (var e : official.entrySet()) {
            String k = e.getKey();
            if (k.endsWith("relative_position_index") || k.endsWith("attn_mask")) {
                continue; // non-persistent buffers in current timm
            }
            Matcher m = DOWNSAMPLE.matcher(k);
            if (m.find()) {
                k = "layers." + (Integer.parseInt(m.group(1)) + 1) + ".downsample." + k.substring(m.end());
            } else if (k.startsWith("head.")) {
                k = "head.fc." + k.substring("head.".length());
            }
            out.put(k, e.getValue());
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"swin_test", "swat_swin_test"})
    void currentTimmLayoutLoadsStrictlyWithTheSameOutputs(String name) {
        Model source = SwinVariants.variant(name).create(ModelOptions.builder().seed(1).build());
        Model target = SwinVariants.variant(name).create(ModelOptions.builder().seed(2).build());
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 3, 32, 32).subi(0.5);
        INDArray want = source.forward(x);
        assertNotEquals(0.0, want.sub(target.forward(x)).amaxNumber().doubleValue(), "different seeds differ");
        Map<String, INDArray> current = currentTimmLayout(source.stateDict());
        assertTrue(current.containsKey("layers.1.downsample.reduction.weight") && current.containsKey("head.fc.weight"));
        LoadReport r = WeightLoader.load(target, current, true, name + " (current timm layout)");
        assertEquals(target.parameters().entries().size(), r.loaded().size());
        assertEquals(0.0, want.sub(target.forward(x)).amaxNumber().doubleValue(), 1e-6);
        LoadReport official = WeightLoader.load(target, source.stateDict(), true, name + " (official layout)");
        assertEquals(target.parameters().entries().size(), official.loaded().size());
    }

    /** The int64 relative position index survives a save as safetensors and a load by directory. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"swat_swin_test"})
    void savedModelLoadsBackWithTheSameOutputs(String name, @TempDir Path dir) {
        Model source = SwinVariants.variant(name).create(ModelOptions.builder().seed(4).build());
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 3, 32, 32).subi(0.5);
        assertEquals(org.nd4j.linalg.api.buffer.DataType.LONG,
                source.stateDict().get("layers.0.blocks.0.attn.relative_position_index").dataType());
        ModelFiles.save(source, dir);
        Model loaded = TokenMix.load(dir);
        assertEquals(name, loaded.name());
        assertEquals(0.0, source.forward(x).sub(loaded.forward(x)).amaxNumber().doubleValue(), 1e-6);
    }
}
