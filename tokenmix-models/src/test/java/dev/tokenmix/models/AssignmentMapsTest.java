package dev.tokenmix.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.models.glnet.GlnetVariants;
import dev.tokenmix.core.mixers.paca.ClusteringKind;
import dev.tokenmix.models.paca.PacaVit;
import dev.tokenmix.models.paca.PacaVitConfig;
import dev.tokenmix.models.paca.PacaVitVariants;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The per-stage assignment maps of PaCa-ViT and GLMix: documented shapes, distributions per position. */
class AssignmentMapsTest {

    private static INDArray images(long h, long w) {
        Nd4j.getRandom().setSeed(7);
        return Nd4j.randn(DataType.FLOAT, 2, 3, h, w);
    }

    private static void assertDistributionsOverGroups(AssignmentMap m) {
        INDArray wts = m.weights();
        assertTrue(wts.minNumber().doubleValue() >= 0, m.module() + ": negative weight");
        double err = wts.sum(1).sub(1.0).amaxNumber().doubleValue();
        assertTrue(err < 1e-5, m.module() + ": weights of a position sum to 1 +- " + err);
    }

    @Test
    void pacaVitHasOneClusterMapPerStageWithClustersOnNonSquareInput() {
        Model m = PacaVitVariants.variant("pacavit_test").create(ModelOptions.builder().seed(1).build());
        List<AssignmentMap> maps = ((AssignmentMaps) m).assignmentMaps(images(64, 96));
        assertEquals(3, maps.size(), "pacavit_test has clusters in stages 1-3, none in stage 4");
        for (int i = 0; i < 3; i++) {
            AssignmentMap a = maps.get(i);
            assertEquals(i, a.stage());
            // z is made by block 0 of each stage and reused by the later blocks
            assertEquals("stage" + (i + 1) + ".0.attn.clustering", a.module());
            assertEquals("cluster", a.group());
            assertArrayEquals(new long[] {2, 4, 64 >> (i + 2), 96 >> (i + 2)}, a.weights().shape(), a.module());
            assertDistributionsOverGroups(a);
        }
    }

    @Test
    void pacaVitMapsAreTheBlocksAssignmentsNormalisedPerPosition() {
        PacaVit m = (PacaVit) PacaVitVariants.variant("pacavit_test").create(ModelOptions.builder().seed(2).build());
        INDArray x = images(32, 32);
        List<AssignmentMap> maps = m.assignmentMaps(x);
        // the same assignments through the model's own symbolic accessor, in a graph of their own
        Ops ops = new Ops(m.parameters(), Mode.EVAL);
        Tensor in = ops.placeholder("x", -1, 3, 32, 32);
        List<Tensor> z = m.clusterAssignments(ops, in);
        for (int i = 0; i < 3; i++) {
            INDArray zi = ops.sameDiff().output(Map.of("x", x), z.get(i).var().name()).get(z.get(i).var().name());
            long side = 8 >> i;
            for (int b = 0; b < 2; b++) {
                for (int p = 0; p < side * side; p++) {
                    double total = 0;
                    for (int k = 0; k < 4; k++) {
                        total += zi.getDouble(b, k, p);
                    }
                    for (int k = 0; k < 4; k++) {
                        assertEquals(zi.getDouble(b, k, p) / total,
                                maps.get(i).weights().getDouble(b, k, p / side, p % side), 1e-5,
                                "stage " + i + " image " + b + " position " + p + " cluster " + k);
                    }
                }
            }
        }
    }

    @Test
    void pacaVitWithATeacherShowsTheTeachersAssignments() {
        PacaVitConfig cfg = new PacaVitConfig(32, new int[] {4, 8, 8, 8}, new int[] {2, 1, 1, 1},
                new int[] {1, 2, 1, 2}, 1.0, new int[] {3, 3, 0, 2}, ClusteringKind.P2CCONV, 0, 3,
                new int[] {1, 1, 1, 1}, 1e-6, 0.0);
        PacaVit m = (PacaVit) new Variant("pacavit_teacher_tiny", "paca", cfg, InputConfig.imagenet(32), PaperStats.NONE,
                PacaVit::new).create(ModelOptions.builder().seed(4).build());
        INDArray x = images(32, 32);
        List<AssignmentMap> maps = m.assignmentMaps(x);
        assertEquals(List.of("paca_teacher.to_clusters1", "paca_teacher.to_clusters2", "paca_teacher.to_clusters4"),
                maps.stream().map(AssignmentMap::module).toList(), "stage 3 has no clusters");
        assertEquals(List.of(0, 1, 3), maps.stream().map(AssignmentMap::stage).toList());
        Ops ops = new Ops(m.parameters(), Mode.EVAL);
        Tensor in = ops.placeholder("x", -1, 3, 32, 32);
        Tensor z0 = m.clusterAssignments(ops, in).get(0);
        INDArray z = ops.sameDiff().output(Map.of("x", x), z0.var().name()).get(z0.var().name()); // [2, 3, 64]
        INDArray expected = z.div(z.sum(true, 1)).reshape(2, 3, 8, 8); // normalised over the clusters
        assertTrue(expected.sub(maps.get(0).weights()).amaxNumber().doubleValue() < 1e-5);
        assertArrayEquals(new long[] {2, 2, 1, 1}, maps.get(2).weights().shape());
        maps.forEach(AssignmentMapsTest::assertDistributionsOverGroups);
    }

    @Test
    void glnetHasOneSlotMapPerStageWithGlmixBlocks() {
        Model m = GlnetVariants.variant("glnet_test").create(ModelOptions.builder().seed(3).build());
        INDArray x = images(32, 32);
        List<AssignmentMap> maps = ((AssignmentMaps) m).assignmentMaps(x);
        // glnet_test: stages 1-2 GLMix, stage 3 alternates GLMix / MHSA, stage 4 MHSA only
        assertEquals(List.of("stages.0.blocks.0", "stages.1.blocks.0", "stages.2.blocks.0"),
                maps.stream().map(AssignmentMap::module).toList());
        for (int i = 0; i < 3; i++) {
            AssignmentMap a = maps.get(i);
            assertEquals("slot", a.group());
            assertArrayEquals(new long[] {2, 64, 8 >> i, 8 >> i}, a.weights().shape(), a.module());
            assertDistributionsOverGroups(a);
        }
        assertFalse(maps.get(0).argmax().equals(Nd4j.zeros(DataType.LONG, 2, 8, 8)),
                "random slots do not all win the same position");
    }

    @Test
    void modelsWithoutAssignmentsMarkNothing() {
        Model m = TokenMix.createModel("vit_test");
        assertFalse(m instanceof AssignmentMaps);
        assertTrue(m.activations(images(m.imgSize(), m.imgSize()), "paca.assignment").isEmpty());
    }
}
