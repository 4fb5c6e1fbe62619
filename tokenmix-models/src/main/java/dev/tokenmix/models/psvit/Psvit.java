package dev.tokenmix.models.psvit;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.psvit.TokenPooling;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.TokenGrid;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;
import dev.tokenmix.models.FeatureInfo;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.Variant;
import dev.tokenmix.models.vit.PatchEmbed;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * PSViT, "Better Vision Transformer via Token Pooling and Attention Sharing" (Chen et al., <a
 * href="https://arxiv.org/abs/2108.03428">arXiv 2108.03428</a>), reconstructed from the paper's description (no
 * official code is public): a DeiT on a finer patch grid whose tokens are pooled at configured blocks
 * ({@link TokenPooling}, the class token passing through) and whose blocks may reuse the previous block's attention
 * map ({@link PsvitBlock}). Use it to trade the quadratic token cost of DeiT for depth, or as the model the
 * {@code search psvit} command varies.
 *
 * <p>Keys: {@code cls_token}, {@code pos_embed} (the first grid), {@code patch_embed.proj}, {@code blocks.i.*},
 * {@code pools.j.conv} (learned pooling only), {@code norm}, {@code head}.
 */
public final class Psvit extends Model {
    private final PsvitConfig cfg;
    private final Scope root;
    private final PatchEmbed patchEmbed;
    private final String clsToken;
    private final String posEmbed;
    private final List<PsvitBlock> blocks = new ArrayList<>();
    private final Map<Integer, TokenPooling> pools = new HashMap<>();
    private final long[] grid;
    private final LayerNorm norm;
    private final double dropRate;
    private Linear head;

    public Psvit(Variant variant, ModelOptions options) {
        super(variant, options);
        PsvitConfig base = (PsvitConfig) variant.config();
        this.cfg = options.imgSize() == null ? base : base.withImgSize(options.imgSize());
        this.dropRate = options.dropRate();
        this.root = Scope.root(parameters(), options.seed());
        this.grid = cfg.gridPerBlock();
        int d = cfg.embedDim();
        long tokens = (long) cfg.gridSize() * cfg.gridSize() + (cfg.classToken() ? 1 : 0);
        this.clsToken = cfg.classToken() ? root.parameter("cls_token", Init.normal(1e-6), 1, 1, d) : null;
        this.posEmbed = root.parameter("pos_embed", Init.truncNormal(0.02), 1, tokens, d);
        this.patchEmbed = new PatchEmbed(root.child("patch_embed"), cfg.imgSize(), cfg.patchSize(), inChans(), d);
        int[] poolAt = cfg.poolAt();
        boolean[] share = cfg.shareAttention();
        for (int j = 0; j < poolAt.length; j++) {
            pools.put(poolAt[j], new TokenPooling(root.child("pools").child(j), d, cfg.pooling(), cfg.poolKernel(),
                    cfg.poolStride(), cfg.classToken()));
        }
        for (int i = 0; i < cfg.depth(); i++) {
            double dpr = DropPath.linearRate(options.dropPathRate(), i, cfg.depth());
            blocks.add(new PsvitBlock(root.child("blocks").child(i), cfg, share[i], dropRate, dpr));
        }
        this.norm = new LayerNorm(root.child("norm"), d, cfg.normEps());
        resetClassifier(options.numClassesOr(1000));
    }

    public PsvitConfig config() {
        return cfg;
    }

    @Override
    protected void replaceClassifier(int n) {
        parameters().removePrefix("head");
        this.head = n == 0 ? null
                : new Linear(root.child("head"), cfg.embedDim(), n, true, Init.truncNormal(0.02), Init.zeros());
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
        return norm.apply(ops, run(ops, x, new int[0], new ArrayList<>()));
    }

    /**
     * Embedding, then the blocks with their poolings; the patch maps after the blocks in {@code indices} go to
     * {@code maps}. Returns the last block's tokens.
     */
    private Tensor run(Ops ops, Tensor x, int[] indices, List<Tensor> maps) {
        Tensor t = patchEmbed.apply(ops, x); // [B, N, D]
        if (clsToken != null) {
            Tensor cls = ops.repeatOverBatch(t, ops.param(clsToken)); // [B, 1, D]
            t = ops.concat(1, cls, t); // [B, 1+N, D]
        }
        t = ops.dropout(ops.add(t, ops.param(posEmbed)), dropRate);
        long side = cfg.gridSize();
        Tensor attention = null;
        int last = indices.length == 0 ? blocks.size() - 1 : indices[indices.length - 1];
        for (int i = 0; i <= last; i++) {
            TokenPooling pool = pools.get(i);
            if (pool != null) {
                t = pool.apply(ops, t, side, side).tokens();
                side = grid[i];
                attention = null; // the token count changed: no map to share across a pooling
            }
            PsvitBlock.Output o = blocks.get(i).apply(ops, t, attention);
            t = o.tokens();
            attention = o.attention();
            for (int idx : indices) {
                if (idx == i) {
                    Tensor patches = clsToken == null ? t : ops.slice(t, 1, 1, t.dim(1)); // [B, S*S, D]
                    maps.add(TokenGrid.toGrid(ops, patches, side, side)); // [B, D, S, S]
                }
            }
        }
        return t;
    }

    @Override
    public Tensor forwardHead(Ops ops, Tensor x, boolean preLogits) {
        ops.expectShape(x, "head input [B, tokens, " + cfg.embedDim() + "]", -1, Ops.ANY, cfg.embedDim());
        Tensor pooled = clsToken != null
                ? ops.reshape(ops.slice(x, 1, 0, 1), -1, cfg.embedDim()) // [B, 1, D] -> [B, D]
                : ops.mean(x, false, 1);
        pooled = ops.dropout(pooled, dropRate);
        return preLogits || head == null ? pooled : head.apply(ops, pooled);
    }

    @Override
    public List<FeatureInfo> featureInfo() {
        List<FeatureInfo> info = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            info.add(new FeatureInfo(i, "blocks." + i, cfg.embedDim(), (int) (cfg.imgSize() / grid[i])));
        }
        return info;
    }

    @Override
    protected List<Tensor> forwardIntermediates(Ops ops, Tensor x, int[] indices) {
        List<Tensor> out = new ArrayList<>();
        run(ops, x, indices, out);
        return out;
    }
}
