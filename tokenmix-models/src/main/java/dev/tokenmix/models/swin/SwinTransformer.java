package dev.tokenmix.models.swin;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.swat.StructureAwareTokenizer;
import dev.tokenmix.core.mixers.swin.PatchMerging;
import dev.tokenmix.core.mixers.swin.StructureAwarePatchMerging;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.nn.TokenGrid;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Param;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.models.FeatureInfo;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.Variant;
import dev.tokenmix.models.vit.PatchEmbed;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Swin Transformer (Liu et al., "Hierarchical Vision Transformer using Shifted Windows", ICCV 2021,
 * <a href="https://arxiv.org/abs/2103.14030">arXiv 2103.14030</a>), the windowed-attention baseline, and its SWAT
 * version (Kahatapitiya and Ryoo, <a href="https://arxiv.org/abs/2111.13677">arXiv 2111.13677</a>) when the config
 * carries {@link SwatSwinSettings}: a structure-aware stem, structure-aware attention in the unshifted blocks,
 * convolutional MLPs and structure-aware patch merging.
 *
 * <p>Keys follow the official Microsoft checkpoints and timm 0.4.13 (and so the official SWAT code):
 * {@code patch_embed.*}, {@code layers.i.blocks.j.*} with the buffers {@code attn.relative_position_index} and
 * {@code attn_mask}, {@code layers.i.downsample.*} at the end of stage i, {@code norm}, {@code head}. The checkpoint
 * filter also takes current timm's layout (downsample at the start of the next stage, {@code head.fc}, no buffers).
 * Feature maps: the four stage outputs (before merging), at strides 4 to 32. Use the baseline to compare windowed
 * attention with global attention (DeiT) and with the other token mixers at the same cost.
 */
public final class SwinTransformer extends Model {
    private static final Pattern DOWNSAMPLE = Pattern.compile("^layers\\.(\\d+)\\.downsample\\.");
    private static final String INDEX = "relative_position_index";
    private static final String MASK = "attn_mask";

    private final SwinConfig cfg;
    private final Scope root;
    private final PatchEmbed patchEmbed;
    private final LayerNorm patchNorm;
    private final StructureAwareTokenizer tokenizer;
    private final List<List<SwinBlock>> layers = new ArrayList<>();
    private final List<Module> downsample = new ArrayList<>();
    private final LayerNorm norm;
    private final double dropRate;
    private Linear head;

    public SwinTransformer(Variant variant, ModelOptions options) {
        super(variant, options);
        SwinConfig base = (SwinConfig) variant.config();
        this.cfg = options.imgSize() == null ? base : base.withImgSize(options.imgSize());
        this.root = Scope.root(parameters(), options.seed());
        this.dropRate = options.dropRate();
        Scope pe = root.child("patch_embed");
        SwatSwinSettings swat = cfg.swat();
        if (swat == null) {
            this.patchEmbed = new PatchEmbed(pe, cfg.imgSize(), cfg.patchSize(), inChans(), cfg.embedDim());
            this.patchNorm = new LayerNorm(pe.child("norm"), cfg.embedDim(), SwinConfig.NORM_EPS);
            this.tokenizer = null;
        } else {
            int k = cfg.patchSize() / swat.alpha();
            this.tokenizer = StructureAwareTokenizer.builder(pe, cfg.imgSize(), inChans(), cfg.embedDim())
                    .stem(swat.stemChannels(), k, k, 0).alpha(swat.alpha())
                    .stemNorm(SwinConfig.NORM_EPS).tokenNorm(SwinConfig.NORM_EPS).build();
            this.patchEmbed = null;
            this.patchNorm = null;
        }
        int total = 0;
        for (int d : cfg.depths()) {
            total += d;
        }
        int k = 0;
        Scope ls = root.child("layers");
        for (int i = 0; i < cfg.stages(); i++) {
            Scope layer = ls.child(i);
            int grid = cfg.grid(i);
            List<SwinBlock> blocks = new ArrayList<>();
            for (int j = 0; j < cfg.depths()[i]; j++, k++) {
                double dpr = DropPath.linearRate(options.dropPathRate(), k, total);
                blocks.add(new SwinBlock(layer.child("blocks").child(j), cfg, i, j, grid, dropRate, dpr));
            }
            layers.add(blocks);
            if (i < cfg.stages() - 1) {
                Scope ds = layer.child("downsample");
                downsample.add(swat == null
                        ? new PatchMerging(ds, grid, grid, cfg.dim(i), SwinConfig.NORM_EPS, Init.truncNormal(0.02))
                        : new StructureAwarePatchMerging(ds, grid, grid, cfg.structureChannels(i), cfg.structureSide(i),
                                cfg.structureSide(i), swat.mergeKernels()[i], SwinConfig.NORM_EPS));
            }
        }
        this.norm = new LayerNorm(root.child("norm"), numFeatures(), SwinConfig.NORM_EPS);
        resetClassifier(options.numClassesOr(1000));
    }

    public SwinConfig config() {
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
        return cfg.dim(cfg.stages() - 1);
    }

    @Override
    public int imgSize() {
        return cfg.imgSize();
    }

    /** Stem tokens {@code [B, (img/patch)², embedDim]}. */
    private Tensor embed(Ops ops, Tensor x) {
        Tensor t = tokenizer != null ? tokenizer.apply(ops, x) : patchNorm.apply(ops, patchEmbed.apply(ops, x));
        return ops.dropout(t, dropRate);
    }

    private Tensor stage(Ops ops, Tensor x, int i) {
        for (SwinBlock b : layers.get(i)) {
            x = b.apply(ops, x);
        }
        return x;
    }

    /** The stages and the final norm: tokens {@code [B, (img/patch/2^(stages-1))², numFeatures]}. */
    @Override
    public Tensor forwardFeatures(Ops ops, Tensor x) {
        Tensor t = embed(ops, x);
        for (int i = 0; i < cfg.stages(); i++) {
            t = stage(ops, t, i);
            if (i < downsample.size()) {
                t = downsample.get(i).apply(ops, t);
            }
        }
        return norm.apply(ops, t);
    }

    @Override
    public Tensor forwardHead(Ops ops, Tensor x, boolean preLogits) {
        ops.expectShape(x, "head input [B, tokens, " + numFeatures() + "]", -1, Ops.ANY, numFeatures());
        Tensor pooled = ops.mean(x, false, 1); // [B, C]
        return preLogits || head == null ? pooled : head.apply(ops, pooled);
    }

    @Override
    public List<FeatureInfo> featureInfo() {
        List<FeatureInfo> info = new ArrayList<>();
        for (int i = 0; i < cfg.stages(); i++) {
            info.add(new FeatureInfo(i, "layers." + i, cfg.dim(i), cfg.patchSize() << i));
        }
        return info;
    }

    @Override
    protected List<Tensor> forwardIntermediates(Ops ops, Tensor x, int[] indices) {
        List<Tensor> out = new ArrayList<>();
        Tensor t = embed(ops, x);
        int last = indices[indices.length - 1];
        for (int i = 0; i <= last; i++) {
            t = stage(ops, t, i);
            for (int idx : indices) {
                if (idx == i) {
                    out.add(TokenGrid.toGrid(ops, t, cfg.grid(i), cfg.grid(i))); // [B, C, H, W]
                }
            }
            if (i < downsample.size()) {
                t = downsample.get(i).apply(ops, t);
            }
        }
        return out;
    }

    /** As PyTorch's: the relative position index is an int64 buffer. */
    @Override
    public LinkedHashMap<String, INDArray> stateDict() {
        LinkedHashMap<String, INDArray> sd = super.stateDict();
        sd.replaceAll((k, v) -> k.endsWith(INDEX) ? v.castTo(DataType.LONG) : v);
        return sd;
    }

    /**
     * Takes the official layout (Microsoft, timm 0.4.13, SWAT) as it is, and current timm's layout after renaming
     * {@code layers.i.downsample} to {@code layers.(i-1).downsample} and {@code head.fc} to {@code head}. Relative
     * position indices and shift masks are constants of the architecture: checkpoints without them (current timm
     * does not save them) get this model's.
     */
    @Override
    public LinkedHashMap<String, INDArray> filterCheckpoint(LinkedHashMap<String, INDArray> stateDict) {
        boolean current = stateDict.containsKey("head.fc.weight")
                || stateDict.keySet().stream().anyMatch(k -> k.startsWith("layers." + (cfg.stages() - 1) + ".downsample."));
        LinkedHashMap<String, INDArray> out = new LinkedHashMap<>();
        for (var e : stateDict.entrySet()) {
            String key = e.getKey();
            if (current) {
                Matcher m = DOWNSAMPLE.matcher(key);
                if (m.find()) {
                    key = "layers." + (Integer.parseInt(m.group(1)) - 1) + ".downsample." + key.substring(m.end());
                } else if (key.startsWith("head.fc.")) {
                    key = "head." + key.substring("head.fc.".length());
                }
            }
            out.put(key, e.getValue());
        }
        for (Param p : parameters().buffers()) {
            if ((p.key().endsWith(INDEX) || p.key().endsWith(MASK)) && !out.containsKey(p.key())) {
                out.put(p.key(), p.layout().toTorch(p.array(), p.torchShape()));
            }
        }
        return out;
    }
}
