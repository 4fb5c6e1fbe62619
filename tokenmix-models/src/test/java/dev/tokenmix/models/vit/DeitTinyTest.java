package dev.tokenmix.models.vit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.GradientCheck;
import dev.tokenmix.core.engine.ShapeMismatchException;
import dev.tokenmix.core.params.Param;
import dev.tokenmix.models.InputConfig;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.PaperStats;
import dev.tokenmix.models.TokenMix;
import dev.tokenmix.models.Variant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** deit_tiny_patch16_224 against timm's definition: keys, shapes, count, MACs. */
class DeitTinyTest {
    private static final Model DEIT = TokenMix.createModel("deit_tiny_patch16_224");

    @Test
    void parameterCountEqualsTimm() {
        assertEquals(5_717_416L, DEIT.parameterCount());
    }

    @Test
    void keysAndShapesFollowTimm() {
        List<Param> ps = DEIT.parameters().entries();
        assertEquals("cls_token", ps.get(0).key());
        assertArrayEquals(new long[] {1, 1, 192}, ps.get(0).torchShape());
        assertArrayEquals(new long[] {1, 197, 192}, DEIT.parameters().get("pos_embed").torchShape());
        assertArrayEquals(new long[] {192, 3, 16, 16}, DEIT.parameters().get("patch_embed.proj.weight").torchShape());
        assertArrayEquals(new long[] {576, 192}, DEIT.parameters().get("blocks.11.attn.qkv.weight").torchShape());
        assertArrayEquals(new long[] {768, 192}, DEIT.parameters().get("blocks.0.mlp.fc1.weight").torchShape());
        assertArrayEquals(new long[] {1000, 192}, DEIT.parameters().get("head.weight").torchShape());
        // 4 tensors outside blocks before them, 12 per block, norm + head after: 2+2+12*12+2+2 entries.
        assertEquals(4 + 12 * 12 + 4, ps.size());
    }

    @Test
    void macsMatchTheCountOfTheArchitecture() {
        // Per block at 197 tokens, width 192: qkv 197*192*576, q·kᵀ and attn·v 2*3*197*197*64, proj 197*192²,
        // MLP 2*197*192*768; patch embedding 196*192*768; head 192*1000.
        long block = 197L * 192 * 576 + 2L * 3 * 197 * 197 * 64 + 197L * 192 * 192 + 2L * 197 * 192 * 768;
        long expected = 12 * block + 196L * 192 * 768 + 192L * 1000;
        assertEquals(expected, DEIT.macs());
        PaperStats paper = DEIT.variant().paper();
        assertTrue(Math.abs(DEIT.macs() / 1e9 - paper.gmacs()) / paper.gmacs() < 0.05,
                "within 5% of the paper's rounded 1.3 GMACs");
    }

    @Test
    void otherResolutionNeedsImgSizeOption() {
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> DEIT.forward(Nd4j.zeros(DataType.FLOAT, 1, 3, 256, 256)));
        assertEquals("patch_embed", e.modulePath());
        assertTrue(e.getMessage().contains("224x224") && e.getMessage().contains("256x256"), e.getMessage());
        Model at256 = TokenMix.createModel("deit_tiny_patch16_224", ModelOptions.builder().imgSize(256).build());
        assertArrayEquals(new long[] {1, 257, 192}, at256.parameters().get("pos_embed").torchShape());
    }

    @Test
    void wholeModelGradientCheck() {
        // The smallest ViT that still has every part: 1 input channel, 4 tokens + class token, width 4, 2 heads.
        VitConfig cfg = new VitConfig(8, 4, 4, 1, 2, 1.0, true, "token", 1e-6);
        Variant v = new Variant("vit_gradcheck", "vit", cfg, InputConfig.imagenet(8), PaperStats.NONE, VisionTransformer::new);
        Model m = v.create(ModelOptions.builder().numClasses(3).dropPathRate(0.2).dropRate(0.1)
                .inChans(1).dataType(DataType.DOUBLE).seed(5).build());
        GradientCheck.Outcome o = GradientCheck.of(m.parameters(), Mode.TRAIN, 2, 1, 8, 8).check((ops, x) -> m.forward(ops, x));
        assertTrue(o.passed(), "gradients of the whole ViT in training mode");
    }
}
