package dev.tokenmix.models.glnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.models.InputConfig;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.PaperStats;
import dev.tokenmix.models.Variant;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The GLNet layouts the glnet_4g parity fixture does not reach: the stl layout (patch stem, BN-first transitions,
 * learned slots, ViT-block stage) and the token-labeling head. (The blocks' parts are gradient-checked in
 * tokenmix-core's {@code GlmixGradientTest} and {@code LayerGradientTest}.)
 */
class GlnetBlocksTest {
    /** Hybrid layout with CPE, residual DW FFN and LayerScale, width 32. */
    private static final GlnetConfig HYBRID = (GlnetConfig) GlnetVariants.variant("glnet_test").config();
    /** The stl layout, tiny: learned slots, no CPE, plain FFN, ViT blocks in stage 4. */
    private static final GlnetConfig STL = new GlnetConfig(64, new int[] {1, 1, 1, 1}, new int[] {32, 32, 64, 64},
            new String[] {"glmix", "glmix", "glmix", "mha"}, 2, false, false, false, true, 0, false);

    private static Model tiny(String name, GlnetConfig cfg, int classes) {
        Variant v = new Variant(name, "glnet", cfg, InputConfig.imagenet(cfg.imgSize()), PaperStats.NONE, Glnet::new);
        return v.create(ModelOptions.builder().seed(2).numClasses(classes).build());
    }

    private static INDArray input(int batch, int size) {
        return Nd4j.rand(DataType.FLOAT, batch, 3, size, size).subi(0.5).muli(2);
    }

    @Test
    void stlLayoutHasTheOfficialKeysAndRuns() {
        Model m = tiny("glnet_stl_tiny", STL, 5);
        assertArrayEquals(new long[] {32, 3, 4, 4}, m.parameters().get("downsample_layers.0.0.weight").torchShape());
        assertArrayEquals(new long[] {32}, m.parameters().get("downsample_layers.0.1.running_var").torchShape());
        assertArrayEquals(new long[] {32}, m.parameters().get("downsample_layers.2.0.weight").torchShape());
        assertArrayEquals(new long[] {64, 32, 2, 2}, m.parameters().get("downsample_layers.2.1.weight").torchShape());
        assertArrayEquals(new long[] {1, 64, 32}, m.parameters().get("stages.0.blocks.0.init_slots").torchShape());
        assertArrayEquals(new long[] {128, 64}, m.parameters().get("stages.3.blocks.0.mlp.0.weight").torchShape());
        assertArrayEquals(new long[] {64, 128}, m.parameters().get("stages.3.blocks.0.mlp.2.weight").torchShape());
        assertFalse(m.parameters().contains("stages.0.blocks.0.pos_conv.weight"), "stl has no CPE");
        INDArray y = m.forward(input(2, 64));
        assertArrayEquals(new long[] {2, 5}, y.shape());
        assertTrue(!y.isNaN().any() && !y.isInfinite().any());
    }

    @Test
    void tokenLabelingHeadAddsHalfTheMaxOverTokens() {
        Model m = tiny("glnet_tklb_tiny", HYBRID.withTokenLabeling().withImgSize(64), 4);
        INDArray x = input(2, 64);
        INDArray feats = m.forwardFeatures(x); // [2, 64, 2, 2]: four tokens
        INDArray tokens = feats.reshape(2, 64, 4).permute(0, 2, 1).dup(); // [2, 4, 64]
        var sd = m.stateDict();
        INDArray pooled = tokens.mean(1); // [2, 64]
        INDArray expected = pooled.mmul(sd.get("head.weight").transpose()).addRowVector(sd.get("head.bias"));
        for (int b = 0; b < 2; b++) {
            INDArray t = tokens.slice(b); // [4, 64]
            INDArray aux = t.mmul(sd.get("tklb_aux_head.weight").transpose()).addRowVector(sd.get("tklb_aux_head.bias"));
            expected.getRow(b).addi(aux.max(0).mul(0.5));
        }
        INDArray y = m.forward(x);
        double tol = 1e-4 * Math.max(1, expected.amaxNumber().doubleValue());
        assertTrue(y.sub(expected).amaxNumber().doubleValue() < tol, "logits " + y + " against " + expected);
    }

    @Test
    void slotLogitsOfEveryGlmixBlock() {
        Model m = tiny("glnet_assign_tiny", HYBRID.withImgSize(64), 3);
        java.util.Map<String, INDArray> a = ((Glnet) m).slotLogits(input(2, 64));
        // glnet_test layout: stages 0 and 1 one GLMix block each, stage 2 GLMix + MHSA, stage 3 MHSA
        assertArrayEquals(new String[] {"stages.0.blocks.0", "stages.1.blocks.0", "stages.2.blocks.0"},
                a.keySet().toArray(new String[0]));
        assertArrayEquals(new long[] {2, 64, 256}, a.get("stages.0.blocks.0").shape());
        assertArrayEquals(new long[] {2, 64, 16}, a.get("stages.2.blocks.0").shape());
        double scale = m.parameters().array("stages.0.blocks.0.slot_scale").getDouble(0);
        assertTrue(a.get("stages.0.blocks.0").amaxNumber().doubleValue() <= Math.abs(scale) * (1 + 1e-5),
                "cosine similarities times the scale");
    }
}
