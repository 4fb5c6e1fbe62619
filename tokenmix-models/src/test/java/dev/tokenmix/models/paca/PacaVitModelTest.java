package dev.tokenmix.models.paca;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.engine.GradientCheck;
import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.paca.ClusteringKind;
import dev.tokenmix.core.params.Param;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.models.InputConfig;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.PaperStats;
import dev.tokenmix.models.Variant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** PaCa-ViT beyond the contract: other input sizes, cluster assignments, the teacher, whole-model gradients. */
class PacaVitModelTest {

    private static Model tiny(int[] clusters, int onsite, int[] teacher, DataType type, int inChans) {
        PacaVitConfig cfg = new PacaVitConfig(16, new int[] {2, 4, 4, 4}, new int[] {2, 1, 1, 1},
                new int[] {1, 2, 1, 2}, 1.0, clusters, ClusteringKind.P2CCONV, onsite, 3, teacher, 1e-6, 0.1);
        Variant v = new Variant("pacavit_gradcheck", "paca", cfg, InputConfig.imagenet(16), PaperStats.NONE,
                PacaVit::new);
        return v.create(ModelOptions.builder().numClasses(3).dropPathRate(0.3).inChans(inChans).dataType(type)
                .seed(5).build());
    }

    @Test
    void nonSquareInputGivesFeatureMapsAtEveryStride() {
        Model m = PacaVitVariants.variant("pacavit_test").create(ModelOptions.builder().seed(1).build());
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 64, 96).subi(0.5);
        assertArrayEquals(new long[] {2, 1000}, m.forward(x).shape());
        List<INDArray> maps = m.featuresOnly().forward(x);
        long[] dims = {8, 16, 24, 32};
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(new long[] {2, dims[i], 64 >> (i + 2), 96 >> (i + 2)}, maps.get(i).shape(), "stage " + i);
        }
    }

    @Test
    void clusterAssignmentsAreDistributionsOverThePatches() {
        PacaVit m = (PacaVit) PacaVitVariants.variant("pacavit_test").create(ModelOptions.builder().seed(1).build());
        Ops ops = new Ops(m.parameters(), Mode.EVAL);
        Tensor x = ops.placeholder("x", -1, 3, 32, 32);
        List<Tensor> z = m.clusterAssignments(ops, x);
        assertNull(z.get(3), "stage 4 of pacavit_test has no clusters");
        Map<String, INDArray> r = ops.sameDiff().output(Map.of("x", Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32)),
                z.get(0).var().name(), z.get(2).var().name());
        INDArray z0 = r.get(z.get(0).var().name());
        assertArrayEquals(new long[] {2, 4, 64}, z0.shape());
        assertArrayEquals(new long[] {2, 4, 4}, r.get(z.get(2).var().name()).shape());
        INDArray sums = z0.sum(2);
        assertTrue(sums.sub(1.0).amaxNumber().doubleValue() < 1e-5, "each cluster's weights over the patches sum to 1");
    }

    @Test
    void teacherVariantsTakeTheirClustersFromTheTeacher() {
        Model m = tiny(new int[] {3, 3, 2, 2}, 0, new int[] {1, 1, 1, 1}, DataType.FLOAT, 3);
        List<Param> ps = m.parameters().entries();
        assertTrue(ps.get(0).key().startsWith("paca_teacher.block1.0.0.fn.0."), ps.get(0).key());
        assertFalse(ps.stream().anyMatch(p -> p.key().contains("attn.clustering")), "no on-site clustering");
        assertTrue(ps.stream().filter(p -> p.key().endsWith("attn.cluster_norm.weight")).count() == 5);
        INDArray blur = m.stateDict().get("paca_teacher.transition1.0.blur_filter");
        assertArrayEquals(new long[] {2, 1, 3, 3}, blur.shape());
        assertEquals(4 / 16.0, blur.getDouble(1, 0, 1, 1), 1e-7);
        assertEquals(1 / 16.0, blur.getDouble(0, 0, 2, 2), 1e-7);
        assertFalse(m.parameters().get("paca_teacher.transition1.0.blur_filter").trainable());
        INDArray y = m.forward(Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32));
        assertArrayEquals(new long[] {2, 3}, y.shape());
        assertFalse(y.isNaN().any());
    }

    @Test
    void blockPairGradientCheckTrain() {
        // Two blocks of a stage: the first clusters on site (P2CConv2d), the second reuses z; DropPath active.
        ParameterStore st = new ParameterStore(DataType.DOUBLE);
        Scope sc = Scope.root(st, 5);
        PacaBlock b0 = new PacaBlock(sc.child("stage1").child(0), 4, 2, 3, ClusteringKind.P2CCONV, 1.0, 3, 1e-6, 0.3);
        PacaBlock b1 = new PacaBlock(sc.child("stage1").child(1), 4, 1, 3, null, 1.0, 3, 1e-6, 0.3);
        GradientCheck.Outcome o = GradientCheck.of(st, Mode.TRAIN, 2, 4, 4).check((ops, x) -> {
            var a = b0.apply(ops, x, 2, 2, null);
            return b1.apply(ops, a.out(), 2, 2, a.z()).out();
        });
        assertTrue(o.passed(), "gradients of two PaCa blocks sharing the cluster assignment");
    }

    @Test
    void teacherGradientCheckEval() {
        ParameterStore st = new ParameterStore(DataType.DOUBLE);
        PacaTeacher t = new PacaTeacher(Scope.root(st, 5).child("paca_teacher"), new int[] {2, 2, 2, 2},
                new int[] {1, 1, 1, 1}, new int[] {2, 2, 2, 2}, 3);
        GradientCheck.Outcome o = GradientCheck.of(st, Mode.EVAL, 2, 2, 4, 4).check((ops, x) -> {
            PacaTeacher.Output out = t.run(ops, x);
            Tensor[] parts = new Tensor[8];
            for (int i = 0; i < 4; i++) {
                Tensor z = out.assignments().get(i); // [B, M, N]
                parts[i] = ops.reshape(z, -1, z.dim(1) * z.dim(2)); // [B, M*N]
                parts[4 + i] = ops.mean(out.features().get(i), false, 2, 3); // [B, C]
            }
            return ops.concat(1, parts);
        });
        assertTrue(o.passed(), "gradients of the ConvMixer teacher (FPN, blur transitions, BatchNorm running statistics)");
    }

    @Test
    void invalidConfigsNameTheOffendingValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PacaVitConfig(224, new int[] {96, 192, 320, 384}, new int[] {2, 2, 4, 2},
                        new int[] {2, 4, 7, 16}, 4, new int[] {100, 100, 100, 0}, ClusteringKind.P2CCONV, 0, 7, null,
                        1e-6, 0.1));
        assertTrue(e.getMessage().contains("320") && e.getMessage().contains("7"), e.getMessage());
    }
}
