package dev.tokenmix.models.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.io.Safetensors;
import dev.tokenmix.core.io.WeightsFormatException;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.TokenMix;
import dev.tokenmix.models.testing.FormulaWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * deit_tiny_patch16_224 weights through a PyTorch checkpoint written by {@code torch.save} (fixture
 * {@code weights/deit_tiny_shared_storage.pth}, made by scripts/make_deit_pth_fixture.py with PyTorch 1.13) and through
 * safetensors: every path gives the same parameters and bit-identical logits.
 */
class ModelFilesTest {
    private static final int N = 200003;
    private static Path pth;
    private static Model fromPth;
    private static INDArray x;
    private static INDArray logits;

    @TempDir
    Path tmp;

    @BeforeAll
    static void loadFixture() throws Exception {
        pth = Path.of(ModelFilesTest.class.getResource("/weights/deit_tiny_shared_storage.pth").toURI());
        fromPth = TokenMix.createModel("deit_tiny_patch16_224");
        LoadReport r = ModelFiles.loadWeights(fromPth, pth, true, true);
        assertTrue(r.exact(), r.summary());
        double[] u = FormulaWeights.uniform("input", 2 * 3 * 224 * 224);
        x = Nd4j.createFromArray(u).castTo(DataType.FLOAT).reshape(2, 3, 224, 224);
        logits = fromPth.forward(x);
    }

    /** The fixture's rule: views into one shared storage at a CRC-derived offset; head.weight transposed. */
    private static INDArray expected(String key, long[] shape) {
        double[] u = FormulaWeights.uniform("shared/deit", N);
        int numel = 1;
        for (long d : shape) {
            numel *= (int) d;
        }
        int off = (int) (FormulaWeights.crc32(key) % (N - numel + 1));
        float[] v = new float[numel];
        for (int i = 0; i < numel; i++) {
            v[i] = (float) (0.05 * u[off + i]);
        }
        INDArray flat = Nd4j.createFromArray(v);
        return key.equals("head.weight") ? flat.reshape(shape[1], shape[0]).transpose() : flat.reshape(shape);
    }

    @Test
    void pthTensorsHonourOffsetsSharedStorageAndStrides() {
        LinkedHashMap<String, INDArray> sd = fromPth.stateDict();
        assertEquals(152, sd.size());
        for (Map.Entry<String, INDArray> e : sd.entrySet()) {
            assertEquals(0.0, e.getValue().sub(expected(e.getKey(), e.getValue().shape())).amaxNumber().doubleValue(),
                    e.getKey());
        }
        assertTrue(logits.isMatrix() && !logits.isNaN().any());
    }

    @Test
    void savedModelLoadsWithoutItsNameAndGivesIdenticalLogits() {
        ModelFiles.save(fromPth, tmp.resolve("deit"));
        assertTrue(Files.isRegularFile(tmp.resolve("deit/config.json")));
        Model a = TokenMix.load(tmp.resolve("deit"));
        assertEquals("deit_tiny_patch16_224", a.name());
        assertEquals(0.0, a.forward(x).sub(logits).amaxNumber().doubleValue());
        Model b = TokenMix.load(tmp.resolve("deit/model.safetensors"));
        assertEquals(0.0, b.forward(x).sub(logits).amaxNumber().doubleValue());
    }

    @Test
    void convertedSafetensorsLoadIntoAFreshModel() throws Exception {
        StateDicts.Found f = StateDicts.find(ModelFiles.readCheckpoint(pth), true, "fixture");
        assertEquals("model", f.foundUnder());
        Path st = tmp.resolve("deit.safetensors");
        Safetensors.write(st, f.tensors(), Map.of());
        Model m = TokenMix.createModel("deit_tiny_patch16_224");
        assertTrue(ModelFiles.loadWeights(m, st, true, true).exact());
        assertEquals(0.0, m.forward(x).sub(logits).amaxNumber().doubleValue());
        assertArrayEquals(new long[] {1000, 192}, Safetensors.read(st).tensors().get("head.weight").shape());
    }

    @Test
    void anythingElseIsRefusedAsNotACheckpoint() throws Exception {
        Path junk = tmp.resolve("junk.pth");
        Files.writeString(junk, "not a checkpoint at all");
        assertThrows(WeightsFormatException.class, () -> ModelFiles.readCheckpoint(junk));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelFiles.readCheckpoint(tmp.resolve("missing.pth")));
        assertTrue(e.getMessage().contains("missing.pth"));
    }
}
