package dev.tokenmix.models.swin;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The 224-pixel Swin and SWAT Swin models against the official code (kkahatapitiya/SWAT, timm 0.4.13). Slow (about a
 * minute: full-size graphs), so outside the default run; run it with
 * {@code mvn test -pl tokenmix-models -am -Dtest='SwinReferenceIT' -Dsurefire.failIfNoSpecifiedTests=false}.
 *
 * <ul>
 *   <li>Multiply-adds at 224 (graph built, not run) equal to the official definitions' counts (convolutions,
 *       linear layers and attention products, counted with PyTorch 1.13 hooks) and within 2% of the papers'
 *       FLOPs.</li>
 *   <li>Logits of Swin-T and SWAT Swin-T on the fixtures {@code parity/<name>-224} (generator:
 *       {@code scripts/make_swin_parity_fixtures.py}): formula input, formula weights loaded strictly through
 *       {@link WeightLoader}; tolerance {@code max|Δ| ≤ 1e-4 · max(1, max|y_ref|)}. The official run kept the real
 *       relative position indices and shift masks, while this model uses its own, so the logits check them too.</li>
 * </ul>
 */
@Tag("slow")
class SwinReferenceIT {
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "swin_tiny_patch4_window7_224, 4490566656",
        "swin_small_patch4_window7_224, 8740875264",
        "swat_swin_tiny_patch4_window7_224, 4679554560",
        "swat_swin_small_patch4_window7_224, 9117722112",
    })
    void macsEqualTheOfficialDefinitionAndAreWithinTwoPercentOfThePaper(String name, long official) {
        Model m = SwinVariants.variant(name).create(ModelOptions.defaults());
        long macs = m.macs();
        assertEquals(official, macs, name + ": MACs of the official definition");
        double paper = m.variant().paper().gmacs();
        assertTrue(Math.abs(macs / 1e9 - paper) <= 0.02 * paper, name + ": " + macs / 1e9 + " G vs the paper's " + paper);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"swin_tiny_patch4_window7_224", "swat_swin_tiny_patch4_window7_224"})
    void logitsMatchTheOfficialCode(String name) throws IOException {
        List<OfficialKeys.Entry> keys = OfficialKeys.of(name);
        Model model = SwinVariants.variant(name).create(ModelOptions.defaults());
        LinkedHashMap<String, INDArray> own = model.stateDict();
        Map<String, INDArray> sd = new LinkedHashMap<>();
        for (OfficialKeys.Entry e : keys) {
            boolean constant = e.key().endsWith("relative_position_index") || e.key().endsWith("attn_mask");
            sd.put(e.key(), constant ? own.get(e.key())
                    : Nd4j.createFromArray(FormulaWeights.tensor(e.key(), e.shape())).reshape(e.shape()));
        }
        LoadReport report = WeightLoader.load(model, sd, true, OfficialKeys.fixture(name));
        assertEquals(keys.size(), report.loaded().size());
        INDArray y = model.forward(Nd4j.createFromArray(FormulaWeights.input(2, 224)).reshape(2, 3, 224, 224));
        INDArray ref = Npy.read(OfficialKeys.resource(name, "logits.npy")).castTo(DataType.FLOAT);
        assertArrayEquals(new long[] {2, 1000}, y.shape());
        double bound = TOLERANCE * Math.max(1.0, ref.amaxNumber().doubleValue());
        double diff = y.sub(ref).amaxNumber().doubleValue();
        assertTrue(diff <= bound, name + ": max|y - y_ref| = " + diff + " exceeds " + bound);
    }
}
