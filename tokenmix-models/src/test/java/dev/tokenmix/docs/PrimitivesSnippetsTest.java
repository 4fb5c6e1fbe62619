package dev.tokenmix.docs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.engine.CompiledGraph;
import dev.tokenmix.core.engine.GradientCheck;
import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.engine.TrainingStep;
import dev.tokenmix.core.mixers.glmix.GlmixMixer;
import dev.tokenmix.core.mixers.glmix.SoftClustering;
import dev.tokenmix.core.mixers.paca.Clustering;
import dev.tokenmix.core.mixers.paca.ClusteringKind;
import dev.tokenmix.core.mixers.paca.PatchToClusterAttention;
import dev.tokenmix.core.nn.Attention;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.LayerNorm2d;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.Mlp;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.core.params.Scope;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The code of {@code docs/primitives.md}: each tagged region is a {@code java} block of the document
 * ({@link DocSnippetsTest} checks they are equal), and each test runs its region and checks what it built.
 */
class PrimitivesSnippetsTest {

    @Test
    void opsFacade() {
        // tag::ops-facade[]
        ParameterStore store = new ParameterStore(DataType.FLOAT);     // name -> array, the model's weights
        Scope root = Scope.root(store, 42);                            // seeded initialisation
        Linear fc = new Linear(root.child("fc"), 16, 32, true);        // registers fc.weight [32, 16], fc.bias

        Ops ops = new Ops(store, Mode.EVAL);                           // one graph, eval behaviour
        Tensor x = ops.placeholder("x", -1, 10, 16);                   // [B, 10, 16], B dynamic
        Tensor y = ops.gelu(fc.apply(ops, x));                         // exact erf GELU
        Tensor pooled = ops.mean(y, false, 1);                         // [B, 32]

        CompiledGraph graph = new CompiledGraph(ops, x, Map.of("pooled", pooled));
        INDArray out = graph.run(Nd4j.rand(DataType.FLOAT, 4, 10, 16), "pooled"); // [4, 32]
        // end::ops-facade[]
        assertArrayEquals(new long[] {4, 32}, out.shape());
        assertEquals(16 * 32 + 32, store.parameterCount());
        assertTrue(ops.macsByModule().get("fc") == 10L * 16 * 32, "MACs at batch 1 counted per module");
    }

    @Test
    void coreLayers() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Scope root = Scope.root(store, 1);
        // tag::core-layers[]
        Conv2d stem = Conv2d.builder(root.child("stem"), 3, 64, 4).stride(4).build();  // patchify, /4
        LayerNorm2d stemNorm = new LayerNorm2d(root.child("stem_norm"), 64, 1e-6);     // LayerNorm over C of NCHW
        LayerNorm norm1 = new LayerNorm(root.child("norm1"), 64, 1e-6);
        Attention attn = new Attention(root.child("attn"), 64, 4, true, 0.0, 0.0, Init.truncNormal(0.02));
        LayerNorm norm2 = new LayerNorm(root.child("norm2"), 64, 1e-6);
        Mlp mlp = new Mlp(root.child("mlp"), 64, 256);                                  // fc1, GELU, fc2

        Ops ops = new Ops(store, Mode.EVAL);
        Tensor img = ops.placeholder("img", -1, 3, 32, 32);
        Tensor map = stemNorm.apply(ops, stem.apply(ops, img));                         // [B, 64, 8, 8]
        Tensor t = ops.permute(ops.reshape(map, -1, 64, 64), 0, 2, 1);                  // [B, C, HW] -> [B, HW, C]
        t = ops.add(t, attn.apply(ops, norm1.apply(ops, t)));                           // pre-norm residual block
        t = ops.add(t, mlp.apply(ops, norm2.apply(ops, t)));                            // [B, 64, 64]
        // end::core-layers[]
        CompiledGraph g = new CompiledGraph(ops, img, Map.of("t", t));
        assertArrayEquals(new long[] {2, 64, 64}, g.run(Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32), "t").shape());
        assertTrue(store.contains("attn.qkv.weight") && store.contains("mlp.fc2.bias"), "timm's key names");
    }

    @Test
    void pacaAttention() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Scope root = Scope.root(store, 1);
        // tag::paca-attention[]
        long dim = 64;
        long h = 14;
        long w = 14;                                                   // a 14 x 14 grid, N = 196 patches
        LayerNorm norm = new LayerNorm(root.child("norm"), dim, 1e-6);
        PatchToClusterAttention attn = new PatchToClusterAttention(root.child("attn"), dim, 4, 49,
                ClusteringKind.P2CCONV, 4.0, 7, 1e-6, 0.0, 0.0);       // 4 heads, M = 49 clusters, 7x7 P2CConv2d

        Ops ops = new Ops(store, Mode.EVAL);
        Tensor x = ops.placeholder("x", -1, h * w, dim);               // tokens [B, N, C], row-major grid
        PatchToClusterAttention.Output o = attn.apply(ops, norm.apply(ops, x), h, w, null);
        Tensor y = ops.add(x, o.out());                                // [B, N, C]: patches attend to 49 clusters
        Tensor z = o.z();                                              // [B, M, N], softmax over the patches
        // end::paca-attention[]
        CompiledGraph g = new CompiledGraph(ops, x, Map.of("y", y, "z", z));
        Map<String, INDArray> r = g.run(Nd4j.rand(DataType.FLOAT, 2, 196, 64), "y", "z");
        assertArrayEquals(new long[] {2, 196, 64}, r.get("y").shape());
        assertArrayEquals(new long[] {2, 49, 196}, r.get("z").shape());
        assertTrue(r.get("z").sum(2).sub(1).amaxNumber().doubleValue() < 1e-5);
    }

    @Test
    void pacaSharedAssignment() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Scope root = Scope.root(store, 1);
        long dim = 32;
        // tag::paca-shared-assignment[]
        Clustering clustering = ClusteringKind.P2CMLP.create(root.child("clustering"), dim, 8, 4.0, 7);
        PatchToClusterAttention first = new PatchToClusterAttention(root.child("blocks.0.attn"), dim, 2, 8,
                null, 4.0, 7, 1e-6, 0.0, 0.0);                         // no clustering module of its own
        PatchToClusterAttention second = new PatchToClusterAttention(root.child("blocks.1.attn"), dim, 2, 8,
                null, 4.0, 7, 1e-6, 0.0, 0.0);

        Ops ops = new Ops(store, Mode.EVAL);
        Tensor x = ops.placeholder("x", -1, 7 * 7, dim);
        Tensor z = clustering.assign(ops, x, 7, 7);                    // [B, 8, 49], computed once
        Tensor y = first.apply(ops, x, 7, 7, z).out();
        y = second.apply(ops, y, 7, 7, z).out();                       // both blocks use the same z
        // end::paca-shared-assignment[]
        CompiledGraph g = new CompiledGraph(ops, x, Map.of("y", y));
        assertArrayEquals(new long[] {3, 49, 32}, g.run(Nd4j.rand(DataType.FLOAT, 3, 49, 32), "y").shape());
    }

    @Test
    void glmixMixer() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Scope block = Scope.root(store, 1).child("block");
        // tag::glmix-mixer[]
        long dim = 64;
        SoftClustering clustering = new SoftClustering(block, dim, 8, 8, false);  // 64 slots pooled from the map
        LayerNorm2d norm = new LayerNorm2d(block.child("norm1"), dim, 1e-6);
        GlmixMixer mixer = GlmixMixer.create(clustering, block, dim, dim / 32, 5); // slot MHSA + 5x5 local branch

        Ops ops = new Ops(store, Mode.EVAL);
        Tensor x = ops.placeholder("x", -1, dim, 28, 28);                        // NCHW
        GlmixMixer.Result r = mixer.mix(ops, x, norm.apply(ops, x));             // slots pooled from the raw x
        Tensor y = ops.add(x, r.sum(ops));                                       // x + global + local, [B, 64, 28, 28]
        Tensor logits = r.logits();                                              // [B, 64 slots, 784 pixels]
        // end::glmix-mixer[]
        CompiledGraph g = new CompiledGraph(ops, x, Map.of("y", y, "logits", logits));
        Map<String, INDArray> out = g.run(Nd4j.rand(DataType.FLOAT, 2, 64, 28, 28), "y", "logits");
        assertArrayEquals(new long[] {2, 64, 28, 28}, out.get("y").shape());
        assertArrayEquals(new long[] {2, 64, 784}, out.get("logits").shape());
        assertTrue(store.contains("block.slot_scale") && store.contains("block.relation_mha.in_proj_weight"));
    }

    @Test
    void taps() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Scope root = Scope.root(store, 1);
        PatchToClusterAttention attn = new PatchToClusterAttention(root.child("attn"), 32, 2, 4,
                ClusteringKind.P2CCONV, 4.0, 3, 1e-6, 0.0, 0.0);
        Ops ops = new Ops(store, Mode.EVAL);
        Tensor x = ops.placeholder("x", -1, 64, 32);
        Tensor y = attn.apply(ops, x, 8, 8, null).out();
        INDArray tokens = Nd4j.rand(DataType.FLOAT, 2, 64, 32);
        // tag::taps[]
        CompiledGraph graph = new CompiledGraph(ops, x, Map.of("y", y));
        Map<String, INDArray> z = graph.runTaps(tokens, Clustering.ASSIGNMENT_TAP);
        INDArray assignment = z.get("attn.clustering");                          // [B, M, N] of that module
        // end::taps[]
        assertArrayEquals(new long[] {2, 4, 64}, assignment.shape());
        assertEquals(1, z.size());
    }

    @Test
    void trainingStep() {
        ParameterStore store = new ParameterStore(DataType.FLOAT);
        Scope root = Scope.root(store, 1);
        PatchToClusterAttention attn = new PatchToClusterAttention(root.child("attn"), 32, 2, 4,
                ClusteringKind.P2CCONV, 4.0, 3, 1e-6, 0.0, 0.0);
        Linear head = new Linear(root.child("head"), 32, 10, true);
        // tag::training-step[]
        Ops ops = new Ops(store, Mode.TRAIN);                                      // dropout, DropPath, BN batch stats on
        Tensor x = ops.placeholder("x", -1, 64, 32);
        Tensor targets = ops.placeholder("targets", -1, 10);                        // soft labels
        Tensor tokens = attn.apply(ops, x, 8, 8, null).out();
        Tensor logits = head.apply(ops, ops.mean(tokens, false, 1));               // [B, 10]
        Tensor loss = ops.softTargetCrossEntropy(logits, targets);

        TrainingStep step = new TrainingStep(ops, loss);
        TrainingStep.Result r = step.run(Map.of("x", Nd4j.rand(DataType.FLOAT, 4, 64, 32),
                "targets", Nd4j.eye(10).getRows(0, 3, 5, 7).castTo(DataType.FLOAT)));
        INDArray g = r.gradients().get("attn.clustering.clustering.4.weight");     // same shape as the parameter
        // end::training-step[]
        assertTrue(Double.isFinite(r.loss()) && r.loss() > 0);
        assertArrayEquals(store.array("attn.clustering.clustering.4.weight").shape(), g.shape());
        assertEquals(step.parameterKeys().size(), r.gradients().size());
    }

    @Test
    void gradientCheck() {
        // tag::gradient-check[]
        ParameterStore store = new ParameterStore(DataType.DOUBLE);                 // checks need DOUBLE
        SoftClustering clustering = new SoftClustering(Scope.root(store, 3).child("b"), 2, 1, 2, true);
        GradientCheck.Outcome outcome = GradientCheck.of(store, Mode.EVAL, 1, 2, 2, 2)  // x: [1, 2, 2, 2]
                .check((ops, x) -> clustering.logits(ops, x,
                        ops.permute(ops.reshape(x, -1, 2, 4), 0, 2, 1)));               // [B, C, H, W] -> [B, HW, C]
        // end::gradient-check[]
        assertTrue(outcome.passed(), "analytic and numerical gradients agree");
    }
}
