package dev.tokenmix.models.mixer;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.LayerNorm;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.models.IsotropicTokenModel;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.Variant;
import dev.tokenmix.models.vit.PatchEmbed;
import java.util.ArrayList;
import java.util.List;

/**
 * MLP-Mixer (Tolstikhin et al., <a href="https://arxiv.org/abs/2105.01601">arXiv 2105.01601</a>) with timm's parameter
 * names: {@code stem.proj}, {@code blocks.i.*}, {@code norm}, {@code head}. All mixing is done by MLPs, across tokens
 * and across channels; the MLP baseline of SWAT (whose Mixer replaces both MLPs by convolutions over the token
 * structure). The token MLP is sized for the token count, so a model is built for one resolution.
 */
public final class MlpMixer extends IsotropicTokenModel {
    private final MixerConfig cfg;
    private final PatchEmbed stem;
    private final List<MixerBlock> blocks = new ArrayList<>();
    private final LayerNorm norm;

    public MlpMixer(Variant variant, ModelOptions options) {
        super(variant, options);
        MixerConfig base = (MixerConfig) variant.config();
        this.cfg = options.imgSize() == null ? base : base.withImgSize(options.imgSize());
        this.stem = new PatchEmbed(root().child("stem"), cfg.imgSize(), cfg.patchSize(), inChans(), cfg.embedDim(),
                Init.lecunNormal(), Init.zeros());
        long tokens = (long) cfg.gridSize() * cfg.gridSize();
        for (int i = 0; i < cfg.numBlocks(); i++) {
            // timm's Mixer uses the same drop-path rate in every block
            blocks.add(new MixerBlock(root().child("blocks").child(i), cfg, tokens, dropRate(), options.dropPathRate()));
        }
        this.norm = new LayerNorm(root().child("norm"), cfg.embedDim(), cfg.normEps());
        resetClassifier(options.numClassesOr(1000));
    }

    public MixerConfig config() {
        return cfg;
    }

    @Override
    protected Tensor embed(Ops ops, Tensor x) {
        return stem.apply(ops, x);
    }

    @Override
    protected List<MixerBlock> blocks() {
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
