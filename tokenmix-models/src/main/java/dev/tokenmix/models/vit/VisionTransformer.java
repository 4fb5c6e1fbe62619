package dev.tokenmix.models.vit;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.models.FeatureInfo;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.Variant;
import dev.tokenmix.models.weights.PositionEmbeddings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Vision Transformer (Dosovitskiy et al., arXiv 2010.11929) as trained by DeiT (Touvron et al., arXiv 2012.12877),
 * with timm's parameter names: {@code cls_token}, {@code pos_embed}, {@code patch_embed.proj},
 * {@code blocks.i.*}, {@code norm}, {@code head}. The global-attention baseline that SWAT, PSViT and STT compare
 * against; use it as the reference point for token-mixing cost, which grows with the square of the token count.
 */
public final class VisionTransformer extends Model {
    private final VitConfig cfg;
    private final Scope root;
    private final PatchEmbed patchEmbed;
    private final String clsToken;
    private final String posEmbed;
    private final List<VitBlock> blocks = new ArrayList<>();
    private final LayerNorm norm;
    private final double dropRate;
    private Linear head;

    public VisionTransformer(Variant variant, ModelOptions options) {
        super(variant, options);
        VitConfig base = (VitConfig) variant.config();
        this.cfg = options.imgSize() == null ? base : base.withImgSize(options.imgSize());
        this.dropRate = options.dropRate();
        this.root = Scope.root(parameters(), options.seed());
        int d = cfg.embedDim();
        long tokens = (long) cfg.gridSize() * cfg.gridSize() + (cfg.globalPool().equals("token") ? 1 : 0);
        this.clsToken = cfg.globalPool().equals("token") ? root.parameter("cls_token", Init.normal(1e-6), 1, 1, d) : null;
        this.posEmbed = root.parameter("pos_embed", Init.truncNormal(0.02), 1, tokens, d);
        this.patchEmbed = new PatchEmbed(root.child("patch_embed"), cfg.imgSize(), cfg.patchSize(), inChans(), d);
        for (int i = 0; i < cfg.depth(); i++) {
            double dpr = DropPath.linearRate(options.dropPathRate(), i, cfg.depth());
            blocks.add(new VitBlock(root.child("blocks").child(i), cfg, dropRate, dpr));
        }
        this.norm = new LayerNorm(root.child("norm"), d, cfg.normEps());
        resetClassifier(options.numClassesOr(1000));
    }

    public VitConfig config() {
        return cfg;
    }

    @Override
    protected void replaceClassifier(int n) {
        parameters().removePrefix("head");
        this.head = n == 0 ? null
                : new Linear(root.child("head"), cfg.embedDim(), n, true, Init.truncNormal(0.02), Init.zeros());
    }

    /**
     * timm's checkpoint filter for ViTs: a position embedding trained at another resolution is resampled
     * (bicubic) to this model's token grid, so 224-pixel weights run at, e.g., 384.
     */
    @Override
    public LinkedHashMap<String, INDArray> filterCheckpoint(LinkedHashMap<String, INDArray> sd) {
        INDArray pe = sd.get("pos_embed");
        int prefix = clsToken == null ? 0 : 1;
        int grid = cfg.gridSize();
        if (pe != null && pe.rank() == 3 && pe.size(1) != prefix + (long) grid * grid) {
            int old = (int) Math.round(Math.sqrt(pe.size(1) - prefix));
            if ((long) old * old + prefix == pe.size(1)) {
                sd.put("pos_embed", PositionEmbeddings.resample(pe, prefix, old, old, grid, grid));
            }
        }
        return sd;
    }

    @Override
    public long numFeatures() {
        return cfg.embedDim();
    }

    @Override
    public int imgSize() {
        return cfg.imgSize();
    }

    @Override
    public Tensor forwardFeatures(Ops ops, Tensor x) {
        Tensor t = embed(ops, x);
        for (VitBlock b : blocks) {
            t = b.apply(ops, t);
        }
        return norm.apply(ops, t);
    }

    /** Patch embedding, class token and position embedding: {@code [B, N(+1), D]}. */
    private Tensor embed(Ops ops, Tensor x) {
        Tensor t = patchEmbed.apply(ops, x); // [B, N, D]
        if (clsToken != null) {
            Tensor cls = ops.repeatOverBatch(t, ops.param(clsToken)); // [B, 1, D]
            t = ops.concat(1, cls, t); // [B, N+1, D]
        }
        return ops.dropout(ops.add(t, ops.param(posEmbed)), dropRate);
    }

    @Override
    public Tensor forwardHead(Ops ops, Tensor x, boolean preLogits) {
        ops.expectShape(x, "head input [B, tokens, " + cfg.embedDim() + "]", -1, Ops.ANY, cfg.embedDim());
        long n = x.dim(1);
        Tensor pooled = cfg.globalPool().equals("token")
                ? ops.reshape(ops.slice(x, 1, 0, 1), -1, cfg.embedDim()) // [B, 1, D] -> [B, D]
                : ops.mean(clsToken == null ? x : ops.slice(x, 1, 1, n), false, 1);
        pooled = ops.dropout(pooled, dropRate);
        return preLogits || head == null ? pooled : head.apply(ops, pooled);
    }

    @Override
    public List<FeatureInfo> featureInfo() {
        List<FeatureInfo> info = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            info.add(new FeatureInfo(i, "blocks." + i, cfg.embedDim(), cfg.patchSize()));
        }
        return info;
    }

    @Override
    protected List<Tensor> forwardIntermediates(Ops ops, Tensor x, int[] indices) {
        List<Tensor> out = new ArrayList<>();
        Tensor t = embed(ops, x);
        int g = cfg.gridSize();
        int last = indices[indices.length - 1];
        for (int i = 0; i <= last; i++) {
            t = blocks.get(i).apply(ops, t);
            for (int idx : indices) {
                if (idx == i) {
                    Tensor patches = clsToken == null ? t : ops.slice(t, 1, 1, t.dim(1)); // [B, N, D]
                    Tensor map = ops.permute(patches, 0, 2, 1); // [B, D, N]
                    out.add(ops.reshape(map, -1, cfg.embedDim(), g, g)); // [B, D, H/p, W/p]
                }
            }
        }
        return out;
    }
}
