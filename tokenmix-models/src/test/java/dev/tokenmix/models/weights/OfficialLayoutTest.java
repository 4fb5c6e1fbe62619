package dev.tokenmix.models.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.models.Model;
import dev.tokenmix.models.TokenMix;
import dev.tokenmix.models.testing.FormulaWeights;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Checkpoints in the official training scripts' layout load strictly: the state_dict nested under {@code model},
 * every key of the official model (parity/*-224/keys.tsv), written by {@code torch.save}.
 * Fixtures {@code weights/*_official_layout.pth} from scripts/make_layout_pth_fixtures.py (PyTorch 1.13): each tensor
 * is an overlapping strided view of one shared storage, so the test also covers storage offsets and strides.
 */
class OfficialLayoutTest {
    private static final int N = 200003;

    @ParameterizedTest(name = "{0}")
    // GLNet-4G is not here: its 27M parameters as overlapping views of a small file exceed the reader's
    // "tensors at most 4x the file" guard against inflated checkpoints, as they should.
    @CsvSource({"pacavit_tiny_p2cconv_100_0, model"})
    void officialCheckpointLayoutLoadsStrictly(String name, String under) throws Exception {
        Path pth = Path.of(OfficialLayoutTest.class.getResource("/weights/" + name + "_official_layout.pth").toURI());
        StateDicts.Found found = StateDicts.find(ModelFiles.readCheckpoint(pth), true, pth.getFileName().toString());
        assertEquals(under, found.foundUnder());
        Model m = TokenMix.createModel(name);
        LoadReport r = ModelFiles.loadWeights(m, pth, true, true);
        assertTrue(r.exact(), r.summary());
        double[] base = FormulaWeights.uniform("shared/" + name, N);
        for (Map.Entry<String, INDArray> e : m.stateDict().entrySet()) {
            if (e.getKey().endsWith("num_batches_tracked")) {
                assertEquals(0L, e.getValue().getLong(0), e.getKey());
                continue;
            }
            assertEquals(0.0, e.getValue().castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT)
                    .sub(expected(base, e.getKey(), e.getValue().shape())).amaxNumber().doubleValue(), e.getKey());
        }
    }

    /** The fixture's rule: dimension 0 strided by 7 over one shared storage, at a CRC-derived offset. */
    private static INDArray expected(double[] base, String key, long[] shape) {
        long rest = 1;
        for (int i = 1; i < shape.length; i++) {
            rest *= shape[i];
        }
        long reach = shape.length >= 2 ? 7 * (shape[0] - 1) + rest : Math.max(1, shape.length == 0 ? 1 : shape[0]);
        long off = FormulaWeights.crc32(key) % (N - reach + 1);
        long numel = shape.length == 0 ? 1 : shape[0] * rest;
        float[] v = new float[(int) numel];
        for (int i = 0; i < numel; i++) {
            long idx = shape.length >= 2 ? off + 7 * (i / rest) + i % rest : off + i;
            v[i] = (float) (0.05 * base[(int) idx]);
        }
        INDArray a = Nd4j.createFromArray(v);
        return shape.length == 0 ? a.reshape() : a.reshape(shape);
    }
}
