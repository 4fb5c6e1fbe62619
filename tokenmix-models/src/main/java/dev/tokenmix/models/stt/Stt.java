package dev.tokenmix.models.stt;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.stt.SuperTokenWindowAttention;
import dev.tokenmix.core.mixers.stt.WindowLayout;
import dev.tokenmix.core.nn.DropPath;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.TokenGrid;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;
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
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * STT, the isotropic Super-token Transformer of "Global Interaction Modelling in Vision Transformer via Super
 * Tokens" (Farooq, Awais, Ahmed and Kittler, <a href="https://arxiv.org/abs/2111.13156">arXiv 2111.13156</a>),
 * reconstructed from the paper's description (no official code is public):
 *
 * <pre>
 * convolutional stem -> patch tokens [B, N, C] + pos_embed       N = (imgSize / stem stride)²
 * windows with one learned super token each [B·nW, 1 + M², C]     nW = N / M²
 * localDepth x (window attention, global super-token mixing, MLP)
 * super tokens [B, nW, C] (+ class token) -> globalDepth x transformer block -> norm -> class token or mean -> head
 * </pre>
 *
 * The patch tokens are only used in the local layers; the higher layers and the class prediction see the
 * {@code nW} super tokens alone. Use it where global attention over all patches is too expensive but an isotropic
 * (no patch merging) backbone is wanted.
 *
 * <p>{@link #assignmentMaps} shows, per local layer, where each window's super token looks inside its window.
 *
 * <p>Keys: {@code stem.*}, {@code pos_embed}, {@code super_tokens}, {@code cls_token}, {@code blocks.i.*} (local
 * blocks first), {@code norm}, {@code head}.
 */
public final class Stt extends Model implements AssignmentMaps {
    private final SttConfig cfg;
    private final Scope root;
    private final ConvStem stem;
    private final String posEmbed;
    private final String superTokens;
    private final String clsToken;
    private final List<SttLocalBlock> local = new ArrayList<>();
    private final List<SttGlobalBlock> global = new ArrayList<>();
    private final LayerNorm norm;
    private final double dropRate;
    private Linear head;

    public Stt(Variant variant, ModelOptions options) {
        super(variant, options);
        SttConfig base = (SttConfig) variant.config();
        this.cfg = options.imgSize() == null ? base : base.withImgSize(options.imgSize());
        this.dropRate = options.dropRate();
        this.root = Scope.root(parameters(), options.seed());
        int d = cfg.embedDim();
        long n = (long) cfg.gridSize() * cfg.gridSize();
        long nW = (long) cfg.windowGrid() * cfg.windowGrid();
        this.stem = new ConvStem(root.child("stem"), inChans(), cfg.stemChannels(), d);
        this.posEmbed = root.parameter("pos_embed", Init.truncNormal(0.02), 1, n, d);
        // Initialised as timm initialises a ViT's class token (normal, std 1e-6): a super token starts as an empty
        // summary, so after its LayerNorm it carries its window's content rather than its own random start.
        this.superTokens = root.parameter("super_tokens", Init.normal(1e-6), 1, nW, d);
        this.clsToken = cfg.classToken() ? root.parameter("cls_token", Init.normal(1e-6), 1, 1, d) : null;
        int depth = cfg.depth();
        for (int i = 0; i < depth; i++) {
            double dpr = DropPath.linearRate(options.dropPathRate(), i, depth);
            Scope s = root.child("blocks").child(i);
            if (i < cfg.localDepth()) {
                local.add(new SttLocalBlock(s, cfg, dropRate, dpr));
            } else {
                global.add(new SttGlobalBlock(s, cfg, dropRate, dpr));
            }
        }
        this.norm = new LayerNorm(root.child("norm"), d, cfg.normEps());
        resetClassifier(options.numClassesOr(1000));
    }

    public SttConfig config() {
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

    /** The network up to the last block in {@code indices} (all if empty); maps of those blocks go to {@code maps}. */
    private Tensor run(Ops ops, Tensor x, int[] indices, List<Tensor> maps) {
        int d = cfg.embedDim();
        long g = cfg.gridSize();
        long wg = cfg.windowGrid();
        int m = cfg.window();
        Tensor t = stem.apply(ops, x); // [B, C, g, g]
        t = ops.permute(ops.reshape(t, -1, d, g * g), 0, 2, 1); // [B, C, N] -> [B, N, C]
        t = ops.dropout(ops.add(t, ops.param(posEmbed)), dropRate);
        Tensor w = WindowLayout.toWindows(ops, t, g, g, m, ops.param(superTokens)); // [B*nW, 1+M², C]
        int last = indices.length == 0 ? cfg.depth() - 1 : indices[indices.length - 1];
        for (int i = 0; i < local.size() && i <= last; i++) {
            w = local.get(i).apply(ops, w);
            if (wanted(indices, i)) {
                Tensor p = WindowLayout.patchTokens(ops, w, g, g, m); // [B, N, C]
                maps.add(TokenGrid.toGrid(ops, p, g, g)); // [B, C, g, g]
            }
        }
        Tensor s = WindowLayout.superTokens(ops, w, wg * wg); // [B, nW, C]
        if (clsToken != null) {
            Tensor cls = ops.repeatOverBatch(s, ops.param(clsToken)); // [B, 1, C]
            s = ops.concat(1, cls, s); // [B, 1+nW, C]
        }
        for (int j = 0; j < global.size() && local.size() + j <= last; j++) {
            s = global.get(j).apply(ops, s);
            if (wanted(indices, local.size() + j)) {
                Tensor st = clsToken == null ? s : ops.slice(s, 1, 1, s.dim(1)); // [B, nW, C]
                maps.add(TokenGrid.toGrid(ops, st, wg, wg)); // [B, C, g/M, g/M]
            }
        }
        return s;
    }

    private static boolean wanted(int[] indices, int i) {
        for (int idx : indices) {
            if (idx == i) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Tensor forwardHead(Ops ops, Tensor x, boolean preLogits) {
        ops.expectShape(x, "head input [B, tokens, " + cfg.embedDim() + "]", -1, Ops.ANY, cfg.embedDim());
        Tensor pooled = clsToken != null
                ? ops.reshape(ops.slice(x, 1, 0, 1), -1, cfg.embedDim()) // [B, 1, C] -> [B, C]
                : ops.mean(x, false, 1);
        pooled = ops.dropout(pooled, dropRate);
        return preLogits || head == null ? pooled : head.apply(ops, pooled);
    }

    /** Local blocks give the patch grid (reduction = stem stride); super-token blocks the window grid. */
    @Override
    public List<FeatureInfo> featureInfo() {
        List<FeatureInfo> info = new ArrayList<>();
        for (int i = 0; i < cfg.depth(); i++) {
            int reduction = i < cfg.localDepth() ? cfg.stemStride() : cfg.stemStride() * cfg.window();
            info.add(new FeatureInfo(i, "blocks." + i, cfg.embedDim(), reduction));
        }
        return info;
    }

    @Override
    protected List<Tensor> forwardIntermediates(Ops ops, Tensor x, int[] indices) {
        List<Tensor> out = new ArrayList<>();
        run(ops, x, indices, out);
        return out;
    }

    /**
     * Per local layer ({@code stage} = its index; STT is isotropic, and only its local layers see the patches), the
     * super tokens' attention over their windows' patches, as an {@link AssignmentMap.Kind#INTENSITY} map
     * {@code [B, 1, g, g]} on the patch grid: at each patch, the attention weight of its window's super token (as
     * query) on it (as key), averaged over the heads, then divided by the window's sum over its {@code M²} patches,
     * so that every window sums to 1 (the share the super token keeps for itself is left out). Read from the
     * {@link SuperTokenWindowAttention#LOGITS_TAP} activations of the features graph, eval mode.
     */
    @Override
    public List<AssignmentMap> assignmentMaps(INDArray images) {
        if (images.rank() != 4) {
            throw new IllegalArgumentException("expected an NCHW batch, got shape "
                    + java.util.Arrays.toString(images.shape()));
        }
        Map<String, INDArray> logits = activations(images, SuperTokenWindowAttention.LOGITS_TAP);
        List<AssignmentMap> maps = new ArrayList<>();
        for (int i = 0; i < local.size(); i++) {
            String path = "blocks." + i + ".attn";
            maps.add(AssignmentMap.intensity(i, path, "super-token attention",
                    superTokenAttention(logits.get(path), images.size(0))));
        }
        return maps;
    }

    /** Window-attention logits {@code [B·nW, h, L, L]} to the super tokens' patch weights {@code [B, 1, g, g]}. */
    private INDArray superTokenAttention(INDArray logits, long batch) {
        int m = cfg.window();
        long wg = cfg.windowGrid();
        long mm = (long) m * m;
        INDArray row = logits.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all())
                .dup(); // the super token's query: [B*nW, h, L]
        INDArray e = Transforms.exp(row.sub(row.max(true, 2)), false); // max subtracted: no overflow
        INDArray attn = e.div(e.sum(true, 2)).mean(1); // softmax over the keys, mean over heads: [B*nW, L]
        INDArray patches = attn.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 1 + mm)).dup(); // [B*nW, M²]
        patches = patches.div(patches.sum(true, 1));
        INDArray grid = patches.reshape(batch, wg, wg, m, m); // [B*nW, M²] -> [B, wg, wg, M, M] (row-major windows)
        grid = grid.permute(0, 1, 3, 2, 4).dup(); // [B, wg, M, wg, M]
        return grid.reshape(batch, 1, wg * m, wg * m); // [B, 1, g, g]
    }
}
