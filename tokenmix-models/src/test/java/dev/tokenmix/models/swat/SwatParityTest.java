package dev.tokenmix.models.swat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.io.Npy;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.testing.FormulaWeights;
import dev.tokenmix.models.weights.LoadReport;
import dev.tokenmix.models.weights.WeightLoader;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Parity with the official code (kkahatapitiya/SWAT) of {@code swat_deit_tiny_patch16_224} (the code as committed),
 * {@code swat_mixer_tiny_patch16_224} and {@code swat_resmlp_12_224} (their commented configuration blocks switched
 * on), on the fixtures {@code parity/<name>-224} ({@code scripts/make_swat_parity_fixture.py}): the official
 * state_dict's keys and shapes in order, and its eval logits for the formula input under the formula weights, loaded
 * here through the strict state_dict path, within {@code max|Δ| ≤ 1e-4 · max(1, max|y_ref|)}.
 */
class SwatParityTest {
    private static final double TOLERANCE = 1e-4;

    private record Entry(String key, long[] shape) {
    }

    static List<Entry> keys(String name) throws IOException, URISyntaxException {
        List<Entry> keys = new ArrayList<>();
        for (String line : Files.readAllLines(resource(name, "keys.tsv"), StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t");
            String dims = f[2].replace("[", "").replace("]", "").trim();
            long[] shape = dims.isEmpty() ? new long[0]
                    : Arrays.stream(dims.split(",")).mapToLong(s -> Long.parseLong(s.trim())).toArray();
            keys.add(new Entry(f[0], shape));
        }
        return keys;
    }

    private static Path resource(String name, String file) throws URISyntaxException {
        return Path.of(SwatParityTest.class.getClassLoader().getResource("parity/" + name + "-224/" + file).toURI());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"swat_deit_tiny_patch16_224", "swat_mixer_tiny_patch16_224", "swat_resmlp_12_224"})
    void keysInOrderAndLogitsMatchTheOfficialCode(String name) throws IOException, URISyntaxException {
        List<Entry> keys = keys(name);
        Model model = SwatVariants.variant(name).create(ModelOptions.defaults());
        LinkedHashMap<String, INDArray> own = model.stateDict();
        assertEquals(keys.size(), own.size(), "number of state_dict entries");
        int i = 0;
        for (Map.Entry<String, INDArray> e : own.entrySet()) {
            Entry want = keys.get(i++);
            assertEquals(want.key(), e.getKey(), "key " + (i - 1));
            assertArrayEquals(want.shape(), e.getValue().shape(), "shape of " + want.key());
        }
        Map<String, INDArray> sd = new LinkedHashMap<>();
        for (Entry e : keys) {
            sd.put(e.key(), Nd4j.createFromArray(FormulaWeights.tensor(e.key(), e.shape())).reshape(e.shape()));
        }
        LoadReport report = WeightLoader.load(model, sd, true, name);
        assertEquals(keys.size(), report.loaded().size());
        INDArray x = Nd4j.createFromArray(FormulaWeights.input(2, 224)).reshape(2, 3, 224, 224);
        INDArray y = model.forward(x);
        INDArray ref = Npy.read(resource(name, "logits.npy")).castTo(DataType.FLOAT);
        assertArrayEquals(new long[] {2, 1000}, y.shape());
        double bound = TOLERANCE * Math.max(1.0, ref.amaxNumber().doubleValue());
        double maxDiff = y.sub(ref).amaxNumber().doubleValue();
        assertTrue(maxDiff <= bound, name + ": max|y - y_ref| = " + maxDiff + " exceeds " + bound);
    }
}
