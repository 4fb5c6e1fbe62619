package dev.tokenmix.models;

import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.nn.Linear;
import dev.tokenmix.core.nn.Module;
import dev.tokenmix.core.nn.TokenGrid;
import dev.tokenmix.core.params.Init;
import dev.tokenmix.core.params.Scope;
import java.util.ArrayList;
import java.util.List;

/**
 * A backbone that keeps one token grid from the stem to the head and classifies the mean of its tokens, as MLP-Mixer,
 * ResMLP and the SWAT models do: {@code embed -> blocks -> norm -> mean over tokens -> head}. A family supplies the
 * embedding, the blocks and the final norm; this class adds the classifier ({@code head}), feature maps after every
 * block and the timm contract.
 */
public abstract class IsotropicTokenModel extends Model {
    private final Scope root;
    private final double dropRate;
    private Linear head;

    protected IsotropicTokenModel(Variant variant, ModelOptions options) {
        super(variant, options);
        this.root = Scope.root(parameters(), options.seed());
        this.dropRate = options.dropRate();
    }

    /** The root scope of the parameters (the state_dict keys have no prefix). */
    protected final Scope root() {
        return root;
    }

    /** Dropout rate of the classifier input (the options'). */
    protected final double dropRate() {
        return dropRate;
    }

    /** Image to tokens {@code [B, gridSize², numFeatures]}, including any position embedding. */
    protected abstract Tensor embed(Ops ops, Tensor x);

    /** The blocks, applied in order. */
    protected abstract List<? extends Module> blocks();

    /** The norm after the last block. */
    protected abstract Tensor finalNorm(Ops ops, Tensor tokens);

    /** Tokens per side of the grid. */
    public abstract int gridSize();

    /** Initialiser of the classifier weight; its bias starts at zero. */
    protected Init headInit() {
        return Init.truncNormal(0.02);
    }

    @Override
    public Tensor forwardFeatures(Ops ops, Tensor x) {
        Tensor t = embed(ops, x);
        for (Module b : blocks()) {
            t = b.apply(ops, t);
        }
        return finalNorm(ops, t);
    }

    @Override
    public Tensor forwardHead(Ops ops, Tensor x, boolean preLogits) {
        ops.expectShape(x, "head input [B, tokens, " + numFeatures() + "]", -1, Ops.ANY, numFeatures());
        Tensor pooled = ops.dropout(ops.mean(x, false, 1), dropRate); // [B, D]
        return preLogits || head == null ? pooled : head.apply(ops, pooled);
    }

    @Override
    protected void replaceClassifier(int n) {
        parameters().removePrefix("head");
        this.head = n == 0 ? null : new Linear(root.child("head"), numFeatures(), n, true, headInit(), Init.zeros());
    }

    @Override
    public List<FeatureInfo> featureInfo() {
        List<FeatureInfo> info = new ArrayList<>();
        for (int i = 0; i < blocks().size(); i++) {
            info.add(new FeatureInfo(i, "blocks." + i, numFeatures(), imgSize() / gridSize()));
        }
        return info;
    }

    @Override
    protected List<Tensor> forwardIntermediates(Ops ops, Tensor x, int[] indices) {
        List<Tensor> out = new ArrayList<>();
        Tensor t = embed(ops, x);
        int g = gridSize();
        int last = indices[indices.length - 1];
        for (int i = 0; i <= last; i++) {
            t = blocks().get(i).apply(ops, t);
            for (int idx : indices) {
                if (idx == i) {
                    out.add(TokenGrid.toGrid(ops, t, g, g)); // [B, N, D] -> [B, D, H, W]
                }
            }
        }
        return out;
    }
}
