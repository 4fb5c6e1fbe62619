package dev.tokenmix.models.paca;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Parity of {@code pacavit_tiny_p2cconv_100_0} with the official PyTorch code (iVMCL/PaCaViT) on the fixture
 * {@code parity/pacavit_tiny_p2cconv_100_0-224}: the official state_dict's keys, dtypes and shapes
 * ({@code keys.tsv}), and its eval-mode logits ({@code logits.npy}, [2, 1000]) for the formula input under the
 * formula weights. The weights are rebuilt here with {@link FormulaWeights} and loaded through the public
 * state_dict path ({@link WeightLoader}, strict); the logits must agree within
 * {@code max|Δ| ≤ 1e-4 · max(1, max|y_ref|)}.
 */
class PacaVitParityTest {
    private static final String FIXTURE = "parity/pacavit_tiny_p2cconv_100_0-224";
    private static final double TOLERANCE = 1e-4;

    private record Entry(String key, String dtype, long[] shape) {
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
                    : java.util.Arrays.stream(dims.split(",")).mapToLong(s -> Long.parseLong(s.trim())).toArray();
            keys.add(new Entry(f[0], f[1], shape));
        }
        model = PacaVitVariants.variant("pacavit_tiny_p2cconv_100_0").create(ModelOptions.defaults());
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(PacaVitParityTest.class.getClassLoader().getResource(FIXTURE + "/" + name).toURI());
    }

    /** The fixture's state_dict: formula values, PyTorch layout. */
    static Map<String, INDArray> formulaStateDict(List<Entry> entries) {
        Map<String, INDArray> sd = new LinkedHashMap<>();
        for (Entry e : entries) {
            float[] v = FormulaWeights.tensor(e.key(), e.shape());
            if (e.key().endsWith("blur_filter")) {
                float[] k = {1, 2, 1, 2, 4, 2, 1, 2, 1};
                for (int i = 0; i < v.length; i++) {
                    v[i] = k[i % 9] / 16f;
                }
            }
            INDArray a = Nd4j.createFromArray(v).reshape(e.shape());
            sd.put(e.key(), "int64".equals(e.dtype()) ? a.castTo(DataType.LONG) : a);
        }
        return sd;
    }

    @Test
    void keysAndShapesEqualTheOfficialStateDict() {
        LinkedHashMap<String, INDArray> sd = model.stateDict();
        assertEquals(keys.size(), sd.size(), "number of state_dict entries");
        int i = 0;
        for (Map.Entry<String, INDArray> e : sd.entrySet()) {
            Entry want = keys.get(i++);
            assertEquals(want.key(), e.getKey(), "key " + (i - 1));
            assertArrayEquals(want.shape(), e.getValue().shape(), "shape of " + want.key());
        }
        assertEquals(12_200_680L, model.parameterCount());
    }

    @Test
    void logitsMatchTheOfficialCodeUnderFormulaWeights() throws IOException, URISyntaxException {
        LoadReport report = WeightLoader.load(model, formulaStateDict(keys), true, FIXTURE);
        assertEquals(keys.size(), report.loaded().size());
        INDArray x = Nd4j.createFromArray(FormulaWeights.input(2, 224)).reshape(2, 3, 224, 224);
        INDArray y = model.forward(x);
        INDArray ref = Npy.read(resource("logits.npy")).castTo(DataType.FLOAT);
        assertArrayEquals(new long[] {2, 1000}, y.shape());
        double maxRef = ref.amaxNumber().doubleValue();
        double maxDiff = y.sub(ref).amaxNumber().doubleValue();
        double bound = TOLERANCE * Math.max(1.0, maxRef);
        assertTrue(maxDiff <= bound, FIXTURE + ": max|y - y_ref| = " + maxDiff + " exceeds 1e-4 * max(1, max|y_ref|) = "
                + bound);
    }
}
