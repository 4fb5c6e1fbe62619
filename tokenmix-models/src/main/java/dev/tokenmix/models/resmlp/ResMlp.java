package dev.tokenmix.models.resmlp;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Affine;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.models.IsotropicTokenModel;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.Variant;
import dev.tokenmix.models.vit.PatchEmbed;
import java.util.ArrayList;
import java.util.List;

/**
 * ResMLP (Touvron et al., <a href="https://arxiv.org/abs/2105.03404">arXiv 2105.03404</a>) with timm's parameter names:
 * {@code stem.proj}, {@code blocks.i.*}, {@code norm.alpha/beta}, {@code head}. A residual MLP without normalisation
 * statistics (affine "norms" and LayerScale); the ResMLP baseline of SWAT. Built for one resolution, since the token
 * layer is sized for the token count.
 */
public final class ResMlp extends IsotropicTokenModel {
    private final ResMlpConfig cfg;
    private final PatchEmbed stem;
    private final List<ResMlpBlock> blocks = new ArrayList<>();
    private final Affine norm;

    public ResMlp(Variant variant, ModelOptions options) {
        super(variant, options);
        ResMlpConfig base = (ResMlpConfig) variant.config();
        this.cfg = options.imgSize() == null ? base : base.withImgSize(options.imgSize());
        this.stem = new PatchEmbed(root().child("stem"), cfg.imgSize(), cfg.patchSize(), inChans(), cfg.embedDim(),
                Init.lecunNormal(), Init.zeros());
        long tokens = (long) cfg.gridSize() * cfg.gridSize();
        for (int i = 0; i < cfg.depth(); i++) {
            blocks.add(new ResMlpBlock(root().child("blocks").child(i), cfg, tokens, dropRate(), options.dropPathRate()));
        }
        this.norm = new Affine(root().child("norm"), cfg.embedDim());
        resetClassifier(options.numClassesOr(1000));
    }

    public ResMlpConfig config() {
        return cfg;
    }

    @Override
    protected Tensor embed(Ops ops, Tensor x) {
        return stem.apply(ops, x);
    }

    @Override
    protected List<ResMlpBlock> blocks() {
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
