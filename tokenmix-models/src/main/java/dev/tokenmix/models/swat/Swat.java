package dev.tokenmix.models.swat;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.mixers.swat.StructureAwareTokenizer;
import dev.tokenmix.core.nn.Affine;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.models.IsotropicTokenModel;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.Variant;
import dev.tokenmix.models.weights.PositionEmbeddings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SWAT, "Spatial Structure Within and Among Tokens" (Kahatapitiya and Ryoo, IJCAI 2023,
 * <a href="https://arxiv.org/abs/2111.13677">arXiv 2111.13677</a>), on DeiT, MLP-Mixer and ResMLP. A
 * {@link StructureAwareTokenizer} keeps each patch's 2-D layout inside its token, and every block mixes with
 * convolutions over that structure: within tokens (each token a {@code c x α x α} image) and among tokens (the token
 * grid as a map). Tokens are average-pooled for the head; the DeiT variant has a learned position embedding and no
 * class token.
 *
 * <p>Parameter names are the official state_dict's ({@code kkahatapitiya/SWAT}): DeiT {@code pos_embed},
 * {@code patch_embed.*}, {@code blocks.i.*} ({@link SwatVitBlock}), {@code norm}, {@code head}; Mixer and ResMLP
 * {@code stem.*}, {@code blocks.i.*} ({@link SwatMixerBlock}, {@link SwatResMlpBlock}), {@code norm}, {@code head}.
 * Use it where a DeiT/Mixer/ResMLP of the same size would go: it costs a few percent more MACs and, in the paper, gains
 * 0.7 to 4 points of top-1 when trained from scratch.
 */
public final class Swat extends IsotropicTokenModel {
    private final SwatConfig cfg;
    private final String posEmbed;
    private final StructureAwareTokenizer tokenizer;
    private final List<Module> blocks = new ArrayList<>();
    private final Module norm;

    public Swat(Variant variant, ModelOptions options) {
        super(variant, options);
        SwatConfig base = (SwatConfig) variant.config();
        this.cfg = options.imgSize() == null ? base : base.withImgSize(options.imgSize());
        int d = cfg.embedDim();
        long tokens = (long) cfg.gridSize() * cfg.gridSize();
        boolean vit = cfg.arch() == SwatConfig.Arch.DEIT;
        this.posEmbed = vit ? root().parameter("pos_embed", Init.truncNormal(0.02), 1, tokens, d) : null;
        StructureAwareTokenizer.Builder tb = StructureAwareTokenizer.builder(root().child(vit ? "patch_embed" : "stem"),
                cfg.imgSize(), inChans(), d).stem(cfg.stemChannels(), cfg.stemKernel(), 2, cfg.stemPadding())
                .projKernel(cfg.projKernel()).alpha(cfg.alpha());
        if (vit) {
            // one learned position per pixel of a patch, shared by all patches
            tb.withinPatchPosition(cfg.projKernel() * cfg.alpha());
        } else {
            tb.convInit(Init.lecunNormal(), Init.zeros());
        }
        this.tokenizer = tb.build();
        for (int i = 0; i < cfg.depth(); i++) {
            double dpr = !vit || cfg.depth() == 1 ? options.dropPathRate() : options.dropPathRate() * i / (cfg.depth() - 1);
            var scope = root().child("blocks").child(i);
            blocks.add(switch (cfg.arch()) {
                case DEIT -> new SwatVitBlock(scope, cfg, dropRate(), dpr);
                case MIXER -> new SwatMixerBlock(scope, cfg, tokens, dropRate(), dpr);
                case RESMLP -> new SwatResMlpBlock(scope, cfg, tokens, dropRate(), dpr);
            });
        }
        this.norm = cfg.arch() == SwatConfig.Arch.RESMLP ? new Affine(root().child("norm"), d)
                : new LayerNorm(root().child("norm"), d, 1e-6);
        resetClassifier(options.numClassesOr(1000));
    }

    public SwatConfig config() {
        return cfg;
    }

    /**
     * A DeiT position embedding trained at another resolution is resampled (bicubic, as timm's ViT filter) to this
     * model's token grid. The tokenizer's within-patch embedding {@code pos_embed2} does not depend on the resolution.
     */
    @Override
    public LinkedHashMap<String, INDArray> filterCheckpoint(LinkedHashMap<String, INDArray> sd) {
        INDArray pe = sd.get("pos_embed");
        int grid = cfg.gridSize();
        if (posEmbed != null && pe != null && pe.rank() == 3 && pe.size(1) != (long) grid * grid) {
            int old = (int) Math.round(Math.sqrt(pe.size(1)));
            if ((long) old * old == pe.size(1)) {
                sd.put("pos_embed", PositionEmbeddings.resample(pe, 0, old, old, grid, grid));
            }
        }
        return sd;
    }

    @Override
    protected Tensor embed(Ops ops, Tensor x) {
        Tensor t = tokenizer.apply(ops, x); // [B, N, C]
        return posEmbed == null ? t : ops.dropout(ops.add(t, ops.param(posEmbed)), dropRate());
    }

    @Override
    protected List<Module> blocks() {
        return blocks;
    }

    @Override
    protected Tensor finalNorm(Ops ops, Tensor tokens) {
        return norm.apply(ops, tokens);
    }

    @Override
    public int gridSize() {
        return cfg.gridSize();
    }

    @Override
    public long numFeatures() {
        return cfg.embedDim();
    }

    @Override
    public int imgSize() {
        return cfg.imgSize();
    }
}
