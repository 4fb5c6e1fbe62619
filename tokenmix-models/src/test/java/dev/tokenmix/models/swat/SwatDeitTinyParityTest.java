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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Parity of {@code swat_deit_tiny_patch16_224} with the official code (kkahatapitiya/SWAT as committed, whose active
 * configuration is SWAT DeiT-Ti) on the fixture {@code parity/swat_deit_tiny_patch16_224-224}
 * ({@code scripts/make_swat_parity_fixture.py}): the official state_dict's keys and shapes in order, and its eval
 * logits for the formula input under the formula weights, loaded here through the strict state_dict path, within
 * {@code max|Δ| ≤ 1e-4 · max(1, max|y_ref|)}.
 */
class SwatDeitTinyParityTest {
    private static final String FIXTURE = "parity/swat_deit_tiny_patch16_224-224";
    private static final double TOLERANCE = 1e-4;

    private record Entry(String key, long[] shape) {
    }

    private static List<Entry> keys;
    private static Model model;

    @BeforeAll
    static void load() throws IOException, URISyntaxException {
        keys = new ArrayList<>();
        for (String line : Files.readAllLines(resource("keys.tsv"), StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t");
            String dims = f[2].replace("[", "").replace("]", "").trim();
            long[] shape = dims.isEmpty() ? new long[0]
                    : Arrays.stream(dims.split(",")).mapToLong(s -> Long.parseLong(s.trim())).toArray();
            keys.add(new Entry(f[0], shape));
        }
        model = SwatVariants.variant("swat_deit_tiny_patch16_224").create(ModelOptions.defaults());
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(SwatDeitTinyParityTest.class.getClassLoader().getResource(FIXTURE + "/" + name).toURI());
    }

    @Test
    void keysAndShapesEqualTheOfficialStateDictInOrder() {
        LinkedHashMap<String, INDArray> sd = model.stateDict();
        assertEquals(keys.size(), sd.size(), "number of state_dict entries");
        int i = 0;
        for (Map.Entry<String, INDArray> e : sd.entrySet()) {
            Entry want = keys.get(i++);
            assertEquals(want.key(), e.getKey(), "key " + (i - 1));
            assertArrayEquals(want.shape(), e.getValue().shape(), "shape of " + want.key());
        }
    }

    @Test
    void logitsMatchTheOfficialCodeUnderFormulaWeights() throws IOException, URISyntaxException {
        Map<String, INDArray> sd = new LinkedHashMap<>();
        for (Entry e : keys) {
            sd.put(e.key(), Nd4j.createFromArray(FormulaWeights.tensor(e.key(), e.shape())).reshape(e.shape()));
        }
        LoadReport report = WeightLoader.load(model, sd, true, FIXTURE);
        assertEquals(keys.size(), report.loaded().size());
        INDArray x = Nd4j.createFromArray(FormulaWeights.input(2, 224)).reshape(2, 3, 224, 224);
        INDArray y = model.forward(x);
        INDArray ref = Npy.read(resource("logits.npy")).castTo(DataType.FLOAT);
        assertArrayEquals(new long[] {2, 1000}, y.shape());
        double bound = TOLERANCE * Math.max(1.0, ref.amaxNumber().doubleValue());
        double maxDiff = y.sub(ref).amaxNumber().doubleValue();
        assertTrue(maxDiff <= bound, FIXTURE + ": max|y - y_ref| = " + maxDiff + " exceeds " + bound);
    }
}
