package dev.tokenmix.models.glnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.io.Npy;
import dev.tokenmix.core.params.Param;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.testing.FormulaWeights;
import dev.tokenmix.models.weights.WeightLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Parity of {@code glnet_4g} with the official PyTorch code, fixture {@code parity/glnet_4g-224} (keys.tsv and
 * logits.npy from shared/fixtures/parity): every state_dict entry is rebuilt with the fixtures' formula, loaded
 * through the public state_dict path ({@link WeightLoader}, strict), and the eval logits on the formula input
 * [2, 3, 224, 224] must match within {@code 1e-4 * max(1, max|y_ref|)} (the logits are about 5e4, so the
 * tolerance is relative).
 */
class Glnet4gParityTest {
    private static final String FIXTURE = "/parity/glnet_4g-224/";
    private static final double REL_TOL = 1e-4;
    private static Model model;
    private static List<String[]> rows;

    @BeforeAll
    static void build() throws Exception {
        model = GlnetVariants.variant("glnet_4g").create(ModelOptions.defaults());
        rows = new ArrayList<>();
        for (String line : Files.readAllLines(resource("keys.tsv"))) {
            if (!line.isBlank()) {
                rows.add(line.split("\t"));
            }
        }
    }

    private static Path resource(String name) throws Exception {
        return Path.of(Glnet4gParityTest.class.getResource(FIXTURE + name).toURI());
    }

    private static long[] shape(String s) {
        String body = s.trim().substring(1, s.trim().length() - 1).trim();
        return body.isEmpty() ? new long[0] : Arrays.stream(body.split(",")).map(String::trim).mapToLong(Long::parseLong).toArray();
    }

    @Test
    void keysAndShapesEqualTheOfficialStateDict() {
        List<Param> ps = model.parameters().entries();
        assertEquals(rows.size(), ps.size(), "number of state_dict entries");
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(rows.get(i)[0], ps.get(i).key(), "key " + i);
            assertArrayEquals(shape(rows.get(i)[2]), ps.get(i).torchShape(), "shape of " + rows.get(i)[0]);
        }
    }

    @Test
    void logitsMatchTheOfficialCode() throws Exception {
        LinkedHashMap<String, INDArray> sd = new LinkedHashMap<>();
        for (String[] r : rows) {
            long[] s = shape(r[2]);
            INDArray t = Nd4j.createFromArray(FormulaWeights.tensor(r[0], s)).reshape(s);
            sd.put(r[0], r[1].equals("int64") ? t.castTo(DataType.LONG) : t);
        }
        WeightLoader.load(model, sd, true, "formula weights of " + FIXTURE);
        INDArray x = Nd4j.createFromArray(FormulaWeights.input(2, 224)).reshape(2, 3, 224, 224);
        INDArray y = model.forward(x);
        INDArray ref = Npy.read(resource("logits.npy")).castTo(DataType.FLOAT);
        assertArrayEquals(ref.shape(), y.shape());
        double diff = y.sub(ref).amaxNumber().doubleValue();
        double tol = REL_TOL * Math.max(1.0, ref.amaxNumber().doubleValue());
        assertTrue(diff <= tol, "max|dy| = " + diff + " exceeds " + tol + " (1e-4 * max(1, max|y_ref|)) against " + FIXTURE);
    }
}
