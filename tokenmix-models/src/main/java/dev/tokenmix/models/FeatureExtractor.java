package dev.tokenmix.models;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model used as a backbone (timm's {@code features_only=True}): returns NCHW feature maps at chosen points,
 * for detection and segmentation heads. Obtain one from {@link Model#featuresOnly(int...)}.
 */
public final class FeatureExtractor {
    private final Model model;
    private final int[] indices;
    private final List<FeatureInfo> info;

    FeatureExtractor(Model model, int[] indices, List<FeatureInfo> info) {
        this.model = model;
        this.indices = indices.clone();
        this.info = List.copyOf(info);
    }

    /** The chosen feature maps in increasing depth, NCHW each. */
    public List<INDArray> forward(INDArray x) {
        return model.runIntermediates(x, indices);
    }

    /** Channels, reduction and module of each returned map. */
    public List<FeatureInfo> featureInfo() {
        return info;
    }

    public List<Long> channels() {
        List<Long> c = new ArrayList<>();
        info.forEach(f -> c.add(f.channels()));
        return c;
    }

    public List<Integer> reductions() {
        List<Integer> r = new ArrayList<>();
        info.forEach(f -> r.add(f.reduction()));
        return r;
    }

    public Model model() {
        return model;
    }
}
