package dev.tokenmix.models.paca;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.paca.PatchToClusterAttention;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.LayerNorm2d;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.TokenGrid;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.mixers.paca.Clustering;
import dev.tokenmix.models.AssignmentMap;
import dev.tokenmix.models.AssignmentMaps;
import dev.tokenmix.models.FeatureInfo;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * PaCa-ViT, "Patch-to-Cluster Attention" (Grainger et al., CVPR 2023, <a href="https://arxiv.org/abs/2203.11987">
 * arXiv 2203.11987</a>), with the official parameter names of {@code iVMCL/PaCaViT}'s {@code PaCaViT}:
 *
 * <pre>
 * patch_embed: Conv3x3 s2 (3→C1/2) → Conv3x3 s2 (→C1) → LayerNorm2d            /4
 * stage i:     blocks stage{i}.j (patch-to-cluster attention + conv MLP) → norm{i}
 * transition i: Conv3x3 s2 (C_i→C_{i+1}) → LayerNorm2d                          /8, /16, /32
 * head:        mean over tokens → Linear
 * </pre>
 *
 * No position embedding: any input size works ({@code H}, {@code W} multiples of 32 keep every grid exact). Variants
 * with a ConvMixer clustering teacher ({@link PacaTeacher}) take every stage's assignment from the teacher and add
 * its features to each stage's output. The network runs channels-last from the stem on (its 3x3 convolutions are
 * faster there, and each stage's tokens are a view of the map). {@link #featuresOnly} returns the four NCHW maps
 * after the stage norms, and {@link #clusterAssignments} the per-stage assignments {@code z [B, M, N]} for
 * visualisation ({@link #assignmentMaps} evaluates them, read from the {@link Clustering#ASSIGNMENT_TAP}
 * activations).
 */
public final class PacaVit extends Model implements AssignmentMaps {
    private final PacaVitConfig cfg;
    private final Scope root;
    private final PacaTeacher teacher;
    private final Conv2d stem0;
    private final Conv2d stem1;
    private final LayerNorm2d stemNorm;
    private final List<List<PacaBlock>> stages = new ArrayList<>();
    private final List<LayerNorm> norms = new ArrayList<>();
    private final List<Conv2d> transitions = new ArrayList<>();
    private final List<LayerNorm2d> transitionNorms = new ArrayList<>();
    private Linear head;

    public PacaVit(Variant variant, ModelOptions options) {
        super(variant, options);
        PacaVitConfig base = (PacaVitConfig) variant.config();
        this.cfg = options.imgSize() == null ? base : base.withImgSize(options.imgSize());
        this.root = Scope.root(parameters(), options.seed());
        int[] dims = cfg.embedDims();
        int[] depths = cfg.depths();
        int[] heads = cfg.numHeads();
        int[] clusters = cfg.clusters();
        double eps = cfg.normEps();
        this.teacher = cfg.hasTeacher()
                ? new PacaTeacher(root.child("paca_teacher"), dims, cfg.teacherDepths(), clusters, 7) : null;
        Scope pe = root.child("patch_embed");
        this.stem0 = conv(pe.child("proj").child(0), inChans(), dims[0] / 2, 3, 2);
        this.stem1 = conv(pe.child("proj").child(1), dims[0] / 2, dims[0], 3, 2);
        this.stemNorm = new LayerNorm2d(pe.child("norm"), dims[0], eps);
        int total = 0;
        for (int d : depths) {
            total += d;
        }
        int cur = 0;
        for (int i = 0; i < 4; i++) {
            List<PacaBlock> blocks = new ArrayList<>();
            for (int j = 0; j < depths[i]; j++) {
                double dpr = DropPath.linearRate(options.dropPathRate(), cur + j, total);
                blocks.add(new PacaBlock(root.child("stage" + (i + 1)).child(j), dims[i], heads[i], clusters[i],
                        cfg.clustersOnSite(j) ? cfg.clustering() : null, cfg.mlpRatio(), cfg.clusteringKernel(), eps,
                        dpr));
            }
            cur += depths[i];
            stages.add(blocks);
            norms.add(new LayerNorm(root.child("norm" + (i + 1)), dims[i], eps));
            if (i < 3) {
                Scope t = root.child("transition" + (i + 1));
                transitions.add(conv(t.child("proj"), dims[i], dims[i + 1], 3, 2));
                transitionNorms.add(new LayerNorm2d(t.child("norm"), dims[i + 1], eps));
            }
        }
        resetClassifier(options.numClassesOr(1000));
    }

    /** A {@code k x k} convolution with stride {@code s}, padding {@code k/2}, bias, and the official init. */
    static Conv2d conv(Scope scope, long in, long out, int k, int s) {
        return Conv2d.builder(scope, in, out, k).stride(s).padding(k / 2).weightInit(Init.fanOutNormal(1))
                .biasInit(Init.zeros()).build();
    }

    public PacaVitConfig config() {
        return cfg;
    }

    @Override
    protected void replaceClassifier(int n) {
        parameters().removePrefix("head");
        this.head = n == 0 ? null
                : new Linear(root.child("head"), numFeatures(), n, true, Init.truncNormal(0.02), Init.zeros());
    }

    @Override
    public long numFeatures() {
        return cfg.embedDims()[3];
    }

    @Override
    public int imgSize() {
        return cfg.imgSize();
    }

    /** The stage outputs after the stage norms as NCHW maps, up to {@code lastStage}, and the assignments used. */
    private record Trace(List<Tensor> maps, List<Tensor> assignments, Tensor tokens) {
    }

    private Trace run(Ops ops, Tensor x, int lastStage) {
        // channels-last from the stem on: its convolutions and the transitions' are faster there (oneDNN), and each
        // stage's tokens are a view of the map
        Tensor m = TokenGrid.toChannelsLast(ops, x); // [B, H, W, 3]
        m = stemNorm.applyChannelsLast(ops, stem1.applyChannelsLast(ops, stem0.applyChannelsLast(ops, m)));
        List<Tensor> teacherOuts = null;
        List<Tensor> teacherZ = null;
        if (teacher != null) {
            PacaTeacher.Output t = teacher.run(ops, TokenGrid.fromChannelsLast(ops, m));
            teacherOuts = t.features();
            teacherZ = t.assignments();
        }
        List<Tensor> maps = new ArrayList<>();
        List<Tensor> zs = new ArrayList<>();
        Tensor tokens = null;
        int[] dims = cfg.embedDims();
        for (int i = 0; i <= lastStage; i++) {
            long c = dims[i];
            long h = m.dim(1);
            long w = m.dim(2);
            Tensor t = ops.reshape(m, -1, h * w, c); // [B, H, W, C] -> [B, N, C]
            Tensor z = teacherZ == null ? null : teacherZ.get(i);
            for (PacaBlock b : stages.get(i)) {
                PatchToClusterAttention.Output o = b.apply(ops, t, h, w, z);
                t = o.out();
                z = o.z();
            }
            zs.add(z);
            if (teacherOuts != null) {
                Tensor f = teacherOuts.get(i);
                t = ops.add(t, ops.permute(ops.reshape(f, -1, c, h * w), 0, 2, 1)); // [B, C, H, W] -> [B, N, C]
            }
            t = norms.get(i).apply(ops, t);
            tokens = t;
            m = ops.reshape(t, -1, h, w, c); // [B, N, C] -> [B, H, W, C]
            maps.add(TokenGrid.fromChannelsLast(ops, m)); // the stage output as an NCHW map
            if (i < 3 && i < lastStage) {
                m = transitionNorms.get(i).applyChannelsLast(ops, transitions.get(i).applyChannelsLast(ops, m));
            }
        }
        return new Trace(maps, zs, tokens);
    }

    /** Tokens {@code [B, N, C4]} after {@code norm4}. */
    @Override
    public Tensor forwardFeatures(Ops ops, Tensor x) {
        return run(ops, x, 3).tokens();
    }

    @Override
    public Tensor forwardHead(Ops ops, Tensor x, boolean preLogits) {
        ops.expectShape(x, "head input [B, tokens, " + numFeatures() + "]", -1, Ops.ANY, numFeatures());
        Tensor pooled = ops.mean(x, false, 1); // [B, C4]
        return preLogits || head == null ? pooled : head.apply(ops, pooled);
    }

    /**
     * The cluster assignment {@code z [B, M_i, N_i]} each stage used (softmax over the patches; null for a stage with
     * {@code M = 0}), for visualisation: reshape a row to the stage's {@code H x W} grid.
     */
    public List<Tensor> clusterAssignments(Ops ops, Tensor x) {
        return run(ops, x, 3).assignments();
    }

    /**
     * Per stage with clusters, the assignment its blocks used: the last {@code z} made in the stage (or the teacher's
     * for that stage) as {@link AssignmentMap#fromPositionSoftmax} weights {@code [B, M_i, H_i, W_i]}.
     */
    @Override
    public List<AssignmentMap> assignmentMaps(INDArray images) {
        Map<String, INDArray> z = activations(images, Clustering.ASSIGNMENT_TAP);
        List<AssignmentMap> maps = new ArrayList<>();
        long h = images.size(2);
        long w = images.size(3);
        for (int i = 0; i < 4; i++) {
            // the stem's two convolutions, then one per transition: 3x3, stride 2, padding 1
            int halvings = i + 2;
            long hi = h;
            long wi = w;
            for (int k = 0; k < halvings; k++) {
                hi = (hi - 1) / 2 + 1;
                wi = (wi - 1) / 2 + 1;
            }
            String stage = "stage" + (i + 1) + ".";
            String teacherKey = "paca_teacher.to_clusters" + (i + 1);
            String last = null;
            for (String key : z.keySet()) {
                if (key.startsWith(stage) || key.equals(teacherKey)) {
                    last = key;
                }
            }
            if (last != null) {
                maps.add(AssignmentMap.fromPositionSoftmax(i, last, "cluster", z.get(last), hi, wi));
            }
        }
        return maps;
    }

    @Override
    public List<FeatureInfo> featureInfo() {
        List<FeatureInfo> info = new ArrayList<>();
        int[] dims = cfg.embedDims();
        for (int i = 0; i < 4; i++) {
            info.add(new FeatureInfo(i, "norm" + (i + 1), dims[i], 4 << i));
        }
        return info;
    }

    @Override
    protected List<Tensor> forwardIntermediates(Ops ops, Tensor x, int[] indices) {
        Trace t = run(ops, x, indices[indices.length - 1]);
        List<Tensor> out = new ArrayList<>();
        for (int i : indices) {
            out.add(t.maps().get(i));
        }
        return out;
    }
}
