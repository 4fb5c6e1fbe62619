package dev.tokenmix.models.glnet;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.BatchNorm2d;
import dev.tokenmix.core.nn.Conv2d;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.core.mixers.glmix.SoftClustering;
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
 * GLNet, the backbone of GLMix (Zhu et al., "Revisiting the Integration of Convolution and Attention for Vision
 * Backbone", NeurIPS 2024, <a href="https://arxiv.org/abs/2411.14429">arXiv 2411.14429</a>), with the official
 * parameter names: {@code downsample_layers.i.*} (BatchNorm stem and transitions), {@code stages.i.blocks.j.*}
 * (GLMix blocks and global MHSA blocks), {@code norm} (BatchNorm before the pool), {@code head}, and for the
 * token-labeling variants {@code tklb_aux_head}.
 *
 * <p>GLMix blocks cluster the map into 64 soft slots, mix the slots with multi-head attention and dispatch them
 * back, next to a depthwise-convolution local branch. Feature maps: the four stage outputs, at strides 4 to 32.
 *
 * <p>Token-labeling variants return {@code head(mean tokens) + 0.5 max_tokens(tklb_aux_head(tokens))}, the official
 * eval output, in every mode (the official training-time CutMix on the stem output is not part of the graph).
 */
public final class Glnet extends Model implements AssignmentMaps {
    private final GlnetConfig cfg;
    private final Scope root;
    private final List<List<Module>> downsample = new ArrayList<>();
    private final List<List<Module>> stages = new ArrayList<>();
    private final BatchNorm2d norm;
    private Linear head;
    private Linear auxHead;

    public Glnet(Variant variant, ModelOptions options) {
        super(variant, options);
        GlnetConfig base = (GlnetConfig) variant.config();
        this.cfg = options.imgSize() == null ? base : base.withImgSize(options.imgSize());
        this.root = Scope.root(parameters(), options.seed());
        int[] dims = cfg.dims();
        int[] depths = cfg.depths();
        String[] modes = cfg.modes();
        Scope ds = root.child("downsample_layers");
        for (int i = 0; i < 4; i++) {
            downsample.add(downsampleLayer(ds.child(i), i, dims));
        }
        int total = 0;
        for (int d : depths) {
            total += d;
        }
        int k = 0;
        for (int i = 0; i < 4; i++) {
            List<Module> blocks = new ArrayList<>();
            Scope st = root.child("stages").child(i).child("blocks");
            for (int j = 0; j < depths[i]; j++, k++) {
                double dpr = DropPath.linearRate(options.dropPathRate(), k, total);
                blocks.add(block(st.child(j), modes[i], j, dims[i], dpr));
            }
            stages.add(blocks);
        }
        this.norm = new BatchNorm2d(root.child("norm"), dims[3]);
        resetClassifier(options.numClassesOr(1000));
    }

    private Module block(Scope sc, String mode, int j, int dim, double dpr) {
        switch (mode) {
            case "glmix":
                return new GlmixBlock(sc, cfg, dim, dpr);
            case "glmix.mha_nchw":
                return j % 2 == 0 ? new GlmixBlock(sc, cfg, dim, dpr) : new MhsaNchwBlock(sc, cfg, dim, dpr);
            case "mha_nchw":
                return new MhsaNchwBlock(sc, cfg, dim, dpr);
            default:
                return new MhsaBlock(sc, cfg, dim, dpr);
        }
    }

    /** Stem (i = 0) or transition i, as a list of modules applied in order; GELU is written as {@code null}. */
    private List<Module> downsampleLayer(Scope sc, int i, int[] dims) {
        List<Module> m = new ArrayList<>();
        if (cfg.overlappedStem()) {
            if (i == 0) {
                // Sequential(Identity, conv, BN, GELU, conv, BN): keys 1, 2, 4, 5
                int mid = dims[0] / 2;
                m.add(Conv2d.builder(sc.child(1), inChans(), mid, 3).stride(2).padding(1).build());
                m.add(new BatchNorm2d(sc.child(2), mid));
                m.add(null);
                m.add(Conv2d.builder(sc.child(4), mid, dims[0], 3).stride(2).padding(1).build());
                m.add(new BatchNorm2d(sc.child(5), dims[0]));
            } else {
                m.add(Conv2d.builder(sc.child(0), dims[i - 1], dims[i], 3).stride(2).padding(1).build());
                m.add(new BatchNorm2d(sc.child(1), dims[i]));
            }
        } else if (i == 0) {
            m.add(Conv2d.builder(sc.child(0), inChans(), dims[0], 4).stride(4).build());
            m.add(new BatchNorm2d(sc.child(1), dims[0]));
        } else {
            m.add(new BatchNorm2d(sc.child(0), dims[i - 1]));
            m.add(Conv2d.builder(sc.child(1), dims[i - 1], dims[i], 2).stride(2).build());
        }
        return m;
    }

    public GlnetConfig config() {
        return cfg;
    }

    @Override
    protected void replaceClassifier(int n) {
        parameters().removePrefix("head");
        parameters().removePrefix("tklb_aux_head");
        long c = cfg.dims()[3];
        this.head = n == 0 ? null : new Linear(root.child("head"), c, n, true, Init.truncNormal(0.02), Init.zeros());
        // the official aux head is created after the weight init, so it keeps PyTorch's default Linear init
        this.auxHead = n == 0 || !cfg.tokenLabeling() ? null : new Linear(root.child("tklb_aux_head"), c, n, true);
    }

    @Override
    public long numFeatures() {
        return cfg.dims()[3];
    }

    @Override
    public int imgSize() {
        return cfg.imgSize();
    }

    private Tensor stage(Ops ops, Tensor x, int i) {
        for (Module m : downsample.get(i)) {
            x = m == null ? ops.gelu(x) : m.apply(ops, x);
        }
        for (Module b : stages.get(i)) {
            x = b.apply(ops, x);
        }
        return x;
    }

    /** The four stages and the pre-head BatchNorm: {@code [B, C4, H/32, W/32]}. */
    @Override
    public Tensor forwardFeatures(Ops ops, Tensor x) {
        for (int i = 0; i < 4; i++) {
            x = stage(ops, x, i);
        }
        return norm.apply(ops, x);
    }

    @Override
    public Tensor forwardHead(Ops ops, Tensor x, boolean preLogits) {
        long c = cfg.dims()[3];
        ops.expectShape(x, "head input [B, " + c + ", H, W]", -1, c, Ops.ANY, Ops.ANY);
        Tensor pooled = ops.mean(x, false, 2, 3); // [B, C]
        if (preLogits || head == null) {
            return pooled;
        }
        Tensor y = head.apply(ops, pooled);
        if (auxHead == null) {
            return y;
        }
        long h = x.dim(2);
        long w = x.dim(3);
        Tensor tokens = ops.permute(ops.reshape(x, -1, c, h * w), 0, 2, 1); // [B, HW, C]
        Tensor aux = ops.permute(auxHead.apply(ops, tokens), 0, 2, 1); // [B, K, HW]
        Tensor grid = ops.reshape(aux, -1, numClasses(), h, w); // [B, K, H, W]
        Tensor max = ops.maxPool2d(grid, new int[] {(int) h, (int) w}, new int[] {1, 1}, new int[] {0, 0}); // [B, K, 1, 1]
        return ops.add(y, ops.mul(ops.reshape(max, -1, numClasses()), 0.5)); // [B, K]
    }

    /**
     * The soft-clustering logits of every GLMix block for the NCHW batch {@code x} (eval mode), for visualising the
     * slot assignments: block path ({@code stages.i.blocks.j}) to {@code [N, 64, H_i*W_i]}, slot index
     * {@code 8*row + col}, pixel index {@code W_i*row + col}. A softmax over the last axis gives the clustering
     * weights, a softmax over axis 1 the dispatching weights. The {@link SoftClustering#LOGITS_TAP} activations of
     * the features graph.
     */
    public Map<String, INDArray> slotLogits(INDArray x) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("expected an NCHW batch, got shape " + java.util.Arrays.toString(x.shape()));
        }
        return activations(x, SoftClustering.LOGITS_TAP);
    }

    /**
     * Per stage with GLMix blocks, the slot assignment of its last GLMix block: the dispatching weights (softmax of
     * the clustering logits over the 64 slots) as {@code [B, 64, H_i, W_i]}.
     */
    @Override
    public List<AssignmentMap> assignmentMaps(INDArray images) {
        Map<String, INDArray> logits = slotLogits(images);
        List<AssignmentMap> maps = new ArrayList<>();
        long h = images.size(2);
        long w = images.size(3);
        for (int i = 0; i < 4; i++) {
            h = downsampled(h, i);
            w = downsampled(w, i);
            String last = null;
            for (String key : logits.keySet()) {
                if (key.startsWith("stages." + i + ".")) {
                    last = key;
                }
            }
            if (last != null) {
                maps.add(AssignmentMap.fromGroupLogits(i, last, "slot", logits.get(last), h, w));
            }
        }
        return maps;
    }

    /** A side of the map after downsample layer {@code i} (see {@link #downsampleLayer}). */
    private long downsampled(long s, int i) {
        if (cfg.overlappedStem()) {
            int convs = i == 0 ? 2 : 1; // 3x3, stride 2, padding 1
            for (int k = 0; k < convs; k++) {
                s = (s - 1) / 2 + 1;
            }
            return s;
        }
        return i == 0 ? s / 4 : s / 2;
    }

    @Override
    public List<FeatureInfo> featureInfo() {
        List<FeatureInfo> info = new ArrayList<>();
        int[] dims = cfg.dims();
        for (int i = 0; i < 4; i++) {
            info.add(new FeatureInfo(i, "stages." + i, dims[i], 4 << i));
        }
        return info;
    }

    @Override
    protected List<Tensor> forwardIntermediates(Ops ops, Tensor x, int[] indices) {
        List<Tensor> out = new ArrayList<>();
        int last = indices[indices.length - 1];
        for (int i = 0; i <= last; i++) {
            x = stage(ops, x, i);
            for (int idx : indices) {
                if (idx == i) {
                    out.add(x);
                }
            }
        }
        return out;
    }

    /** The official GLNet loader reads {@code model} for every variant except glnet_16g, whose release is EMA. */
    @Override
    public boolean prefersEmaWeights() {
        return name().equals("glnet_16g");
    }
}
