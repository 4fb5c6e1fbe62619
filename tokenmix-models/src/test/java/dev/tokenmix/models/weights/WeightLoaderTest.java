package dev.tokenmix.models.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.TokenMix;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class WeightLoaderTest {
    private static Model model(long seed) {
        return TokenMix.createModel("vit_test", ModelOptions.builder().seed(seed).build());
    }

    private static INDArray input() {
        Nd4j.getRandom().setSeed(1);
        return Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32).subi(0.5);
    }

    @Test
    void stateDictRoundTripGivesIdenticalLogits() {
        Model a = model(1);
        Model b = model(2);
        INDArray x = input();
        assertTrue(a.forward(x).sub(b.forward(x)).amaxNumber().doubleValue() > 1e-3, "different seeds differ");
        LoadReport r = WeightLoader.load(b, a.stateDict(), true, "test");
        assertTrue(r.exact(), r.summary());
        assertEquals(0.0, a.forward(x).sub(b.forward(x)).amaxNumber().doubleValue());
    }

    @Test
    void findsWeightsUnderTimmKeysAndStripsPrefixes() {
        Model a = model(1);
        Map<String, Object> ckpt = new LinkedHashMap<>();
        LinkedHashMap<String, INDArray> wrapped = new LinkedHashMap<>();
        a.stateDict().forEach((k, v) -> wrapped.put("module._orig_mod." + k, v));
        ckpt.put("epoch", 3L);
        ckpt.put("state_dict", wrapped);
        StateDicts.Found f = StateDicts.find(ckpt, true, "ckpt.pth");
        assertEquals("state_dict", f.foundUnder());
        assertEquals(a.stateDict().keySet(), f.tensors().keySet());
        Map<String, Object> ema = new LinkedHashMap<>(ckpt);
        ema.put("state_dict_ema", a.stateDict());
        assertEquals("state_dict_ema", StateDicts.find(ema, true, "x").foundUnder());
        assertEquals("state_dict", StateDicts.find(ema, false, "x").foundUnder());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StateDicts.find(Map.of("epoch", 3L), true, "x.pth"));
        assertTrue(e.getMessage().contains("epoch"), e.getMessage());
    }

    @Test
    void strictLoadRefusesMissingAndUnexpectedKeysAndLeavesTheModelAlone() {
        Model a = model(1);
        Model b = model(2);
        INDArray before = b.forward(input());
        LinkedHashMap<String, INDArray> sd = a.stateDict();
        sd.remove("norm.weight");
        sd.put("extra.weight", Nd4j.ones(3));
        WeightsMismatchException e = assertThrows(WeightsMismatchException.class, () -> WeightLoader.load(b, sd, true, "f"));
        assertTrue(e.getMessage().contains("norm.weight") && e.getMessage().contains("extra.weight"), e.getMessage());
        assertEquals(0.0, before.sub(b.forward(input())).amaxNumber().doubleValue(), "nothing copied on failure");
        LoadReport r = WeightLoader.load(b, sd, false, "f");
        assertEquals(List.of("norm.weight"), r.missing());
        assertEquals(List.of("extra.weight"), r.unexpected());
        assertFalse(r.exact());
    }

    @Test
    void wrongShapeIsRefusedEvenNonStrictly() {
        Model b = model(2);
        LinkedHashMap<String, INDArray> sd = model(1).stateDict();
        sd.put("blocks.0.attn.qkv.weight", Nd4j.zeros(DataType.FLOAT, 3, 3));
        WeightsMismatchException e = assertThrows(WeightsMismatchException.class, () -> WeightLoader.load(b, sd, false, "f"));
        assertTrue(e.getMessage().contains("blocks.0.attn.qkv.weight") && e.getMessage().contains("[3, 3]"), e.getMessage());
    }

    @Test
    void classifierOfAnotherClassCountIsDropped() {
        Model a = model(1);
        Model b = TokenMix.createModel("vit_test", ModelOptions.builder().seed(2).numClasses(5).build());
        LoadReport r = WeightLoader.load(b, a.stateDict(), true, "f");
        assertEquals(List.of("head.weight", "head.bias"), r.droppedClassifier());
        assertTrue(r.missing().isEmpty() && r.unexpected().isEmpty(), r.summary());
        INDArray x = input();
        assertEquals(0.0, a.forwardHead(a.forwardFeatures(x), true).sub(b.forwardHead(b.forwardFeatures(x), true))
                .amaxNumber().doubleValue(), "the backbone is loaded");
        Model pooled = TokenMix.createModel("vit_test", ModelOptions.builder().numClasses(0).build());
        assertEquals(List.of("head.weight", "head.bias"), WeightLoader.load(pooled, a.stateDict(), true, "f").droppedClassifier());
    }

    @Test
    void positionEmbeddingIsResampledForAnotherResolution() {
        Model a = model(1);
        Model big = TokenMix.createModel("vit_test", ModelOptions.builder().imgSize(48).build());
        LoadReport r = WeightLoader.load(big, a.stateDict(), true, "f");
        assertTrue(r.exact(), r.summary());
        // The class token's embedding is kept; a constant grid stays constant under bicubic resampling.
        INDArray pe = big.stateDict().get("pos_embed");
        assertEquals(0.0, pe.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(0))
                .sub(a.stateDict().get("pos_embed").get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(0))).amaxNumber().doubleValue());
        INDArray constant = Nd4j.ones(DataType.FLOAT, 1, 1 + 16, 4).muli(0.25);
        INDArray up = PositionEmbeddings.resample(constant, 1, 4, 4, 6, 6);
        assertEquals(1 + 36, up.size(1));
        assertTrue(up.sub(0.25).amaxNumber().doubleValue() < 1e-6);
    }

    /**
     * Against PyTorch 1.13: {@code F.interpolate(x, size, mode='bicubic', align_corners=False)} of
     * {@code x = arange(16).reshape(1, 1, 4, 4) ** 1.5} in float64, to 6x7 and to 3x2.
     */
    @Test
    void bicubicMatchesPyTorch() {
        double[] grid = new double[16];
        for (int i = 0; i < 16; i++) {
            grid[i] = Math.pow(i, 1.5);
        }
        INDArray x = Nd4j.createFromArray(grid).reshape(1, 16, 1);
        double[] up = {-0.7748826500758078, -0.5216242380492563, -0.007785917660140703, 0.823109940403531, 2.0041052307189116, 3.3792455050616, 4.261926909770028, 2.432390070227804, 3.1448293926376607, 4.375223728745909, 5.795862870805244, 7.466094492389922, 9.310527214463724, 10.471694043808771, 10.11520428690428, 11.431780396394025, 13.611973172171055, 15.84028166590559, 18.205417220052755, 20.72222697840862, 22.28479633984651, 18.61014870449997, 20.168163197176735, 22.739385131888223, 25.342165706349096, 28.06830586029761, 30.94301256837258, 32.72280792826675, 32.97856284412697, 34.838179837632296, 37.89714567468599, 40.96384301455412, 44.136620036778496, 47.45655926959165, 49.50689062873302, 42.67932054706647, 44.70427767867652, 48.03102242335627, 51.35358840883342, 54.77446880908318, 58.34308311921989, 60.544793902705266};
        double[] down = {1.3479814437596942, 5.709570978821937, 15.846174177597753, 24.913977621383367, 41.19322015879421, 53.00773148139541};
        assertTrue(PositionEmbeddings.resample(x, 0, 4, 4, 6, 7).reshape(42).sub(Nd4j.createFromArray(up)).amaxNumber()
                .doubleValue() < 1e-9);
        assertTrue(PositionEmbeddings.resample(x, 0, 4, 4, 3, 2).reshape(6).sub(Nd4j.createFromArray(down)).amaxNumber()
                .doubleValue() < 1e-9);
    }

    /** GLNet's official loader reads 'model' except for glnet_16g (EMA); the other families prefer EMA weights. */
    @Test
    void emaPreferenceFollowsTheOfficialLoaders() {
        assertTrue(model(1).prefersEmaWeights());
        assertFalse(dev.tokenmix.models.glnet.GlnetVariants.variant("glnet_test").create(ModelOptions.defaults())
                .prefersEmaWeights());
    }
}
