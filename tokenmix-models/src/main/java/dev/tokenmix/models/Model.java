package dev.tokenmix.models;

import dev.tokenmix.core.engine.CompiledGraph;
import dev.tokenmix.core.engine.Mode;
import dev.tokenmix.core.engine.Ops;
import dev.tokenmix.core.engine.ShapeMismatchException;
import dev.tokenmix.core.engine.Tensor;
import dev.tokenmix.core.engine.TrainingStep;
import dev.tokenmix.core.params.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A vision backbone with timm's contract: {@code forward}, {@code forwardFeatures}, {@code forwardHead(preLogits)},
 * {@code featuresOnly(outIndices)}, {@code resetClassifier(numClasses)}, and {@code numClasses = 0} for pooled
 * features.
 *
 * <p>A model owns a {@link ParameterStore} keyed by the official state_dict keys. Graphs are built lazily, once
 * per input shape and mode, and all read the same parameter arrays. Inputs are NCHW float arrays normalised
 * with {@link #inputConfig()}'s mean and std.
 *
 * <p>Families implement the symbolic half ({@link #forwardFeatures(Ops, Tensor)} and friends); this class runs
 * them.
 */
public abstract class Model {
    private static final String INPUT = "input";
    private static final String TARGETS = "targets";

    private final Variant variant;
    private final ModelOptions options;
    private final ParameterStore store;
    private final Map<String, CompiledGraph> graphs = new HashMap<>();
    private final Map<String, TrainingStep> steps = new HashMap<>();
    private final int inChans;
    private int numClasses;

    /** A model of {@code variant}; the family's constructor builds the modules and calls {@link #resetClassifier}. */
    protected Model(Variant variant, ModelOptions options) {
        this.variant = variant;
        this.options = options;
        this.store = new ParameterStore(options.dataType());
        this.inChans = options.inChansOr(variant.input().channels());
    }

    // ------------------------------------------------------------------ what families implement

    /** Unpooled features of NCHW {@code x} (tokens {@code [B, N, C]} or maps {@code [B, C, H, W]}). */
    public abstract Tensor forwardFeatures(Ops ops, Tensor x);

    /** Pooling and classifier; with {@code preLogits} the pooled features {@code [B, numFeatures]}. */
    public abstract Tensor forwardHead(Ops ops, Tensor features, boolean preLogits);

    /** The feature maps {@link #featuresOnly} can return, in order. */
    public abstract List<FeatureInfo> featureInfo();

    /** NCHW feature maps at the given (non-negative, increasing) feature indices. */
    protected abstract List<Tensor> forwardIntermediates(Ops ops, Tensor x, int[] indices);

    /** Replaces the classifier with a freshly initialised one of {@code numClasses} outputs (0: none). */
    protected abstract void replaceClassifier(int numClasses);

    /** Width of the pooled features the classifier sees. */
    public abstract long numFeatures();

    /** Current number of classifier outputs; 0 when the model returns pooled features. */
    public final int numClasses() {
        return numClasses;
    }

    /** Input channels the model takes (the options', else the variant's). */
    public final int inChans() {
        return inChans;
    }

    /** The resolution the model was built for. */
    public abstract int imgSize();

    /**
     * The family's checkpoint key filter (timm's {@code checkpoint_filter_fn}): turns an official state_dict into
     * this model's keys and shapes where they differ (renames, resampled position embeddings). PyTorch layout in and
     * out. The default changes nothing.
     */
    public LinkedHashMap<String, INDArray> filterCheckpoint(LinkedHashMap<String, INDArray> stateDict) {
        return stateDict;
    }

    /** The key prefix of the classifier, skipped when a checkpoint's class count differs ({@code head} by default). */
    public String classifierPrefix() {
        return "head";
    }

    /**
     * Whether the official code evaluates this variant's checkpoints with their EMA weights ({@code state_dict_ema},
     * {@code model_ema}) when a checkpoint holds both; loaders follow it unless the user says otherwise.
     */
    public boolean prefersEmaWeights() {
        return true;
    }

    /**
     * Names of parameters that take no weight decay besides every norm weight and bias (timm's
     * {@code no_weight_decay()}): a name matches a key equal to it or whose last component equals it. The default
     * covers the tokens and position tables of the families here ({@code pos_embed}, {@code cls_token},
     * {@code dist_token}, {@code absolute_pos_embed}, {@code relative_position_bias_table}); a family with other
     * such parameters overrides it.
     */
    public java.util.Set<String> noWeightDecay() {
        return java.util.Set.of("pos_embed", "cls_token", "dist_token", "absolute_pos_embed",
                "relative_position_bias_table");
    }

    /** {@code forwardHead(forwardFeatures(x))}. */
    public Tensor forward(Ops ops, Tensor x) {
        return forwardHead(ops, forwardFeatures(ops, x), false);
    }

    // ------------------------------------------------------------------ accessors

    public Variant variant() {
        return variant;
    }

    public String name() {
        return variant.name();
    }

    public ModelOptions options() {
        return options;
    }

    /** Parameters and buffers, keyed by the official state_dict keys. */
    public ParameterStore parameters() {
        return store;
    }

    /**
     * The parameters and buffers as a PyTorch state_dict: official keys, PyTorch shapes, layouts and types (copies),
     * in registration order.
     */
    public LinkedHashMap<String, INDArray> stateDict() {
        LinkedHashMap<String, INDArray> sd = new LinkedHashMap<>();
        for (dev.tokenmix.core.params.Param p : store.entries()) {
            INDArray t = p.layout().toTorch(p.array(), p.torchShape());
            // PyTorch keeps BatchNorm's counter as int64; the store keeps every entry in the model's float type.
            sd.put(p.key(), p.key().endsWith("num_batches_tracked") ? t.castTo(org.nd4j.linalg.api.buffer.DataType.LONG) : t);
        }
        return sd;
    }

    public InputConfig inputConfig() {
        return variant.input();
    }

    /** Exact number of trainable parameters. */
    public long parameterCount() {
        return store.parameterCount();
    }

    /** Multiply-adds at batch 1 and the model's resolution. */
    public long macs() {
        return macs(imgSize(), imgSize());
    }

    /** Multiply-adds at batch 1 for an {@code h x w} input, counted over the built graph. */
    public long macs(long h, long w) {
        return summary(h, w).totalMacs();
    }

    /** Per-module output shapes, parameters and MACs of the graph for an {@code h x w} input. */
    public ModelSummary summary(long h, long w) {
        Ops ops = new Ops(store, Mode.EVAL);
        Tensor x = ops.placeholder(INPUT, -1, inChans(), h, w);
        forward(ops, x);
        return ModelSummary.of(this, ops, h, w);
    }

    // ------------------------------------------------------------------ running

    /** Logits {@code [N, numClasses]} (pooled features when {@code numClasses == 0}) of NCHW {@code x}, eval mode. */
    public INDArray forward(INDArray x) {
        return graph("logits", x, Mode.EVAL, (ops, in) -> Map.of("out", forward(ops, in))).run(x, "out");
    }

    /** Unpooled features of NCHW {@code x}, eval mode. */
    public INDArray forwardFeatures(INDArray x) {
        return graph("features", x, Mode.EVAL, (ops, in) -> Map.of("out", forwardFeatures(ops, in))).run(x, "out");
    }

    /**
     * The internal activations marked {@code tapName} (see {@link dev.tokenmix.core.engine.Tap}) while the
     * features of NCHW {@code x} are computed in eval mode, keyed by the producing module's path, in build order.
     * Reads the same cached graph as {@link #forwardFeatures(INDArray)}; empty when the model marks nothing of that
     * name. Families document the names they mark (e.g. {@code Clustering.ASSIGNMENT_TAP} for PaCa-ViT's cluster
     * assignments, {@code SoftClustering.LOGITS_TAP} for GLMix's slot logits).
     *
     * @param x NCHW images, normalised as {@link #inputConfig()} says
     * @param tapName the name the activations were marked with
     * @return the activations by module path
     */
    public Map<String, INDArray> activations(INDArray x, String tapName) {
        return graph("features", x, Mode.EVAL, (ops, in) -> Map.of("out", forwardFeatures(ops, in))).runTaps(x, tapName);
    }

    /** The head applied to features from {@link #forwardFeatures(INDArray)}, eval mode. */
    public INDArray forwardHead(INDArray features, boolean preLogits) {
        String kind = preLogits ? "head-prelogits" : "head";
        return graph(kind, features, Mode.EVAL, (ops, in) -> Map.of("out", forwardHead(ops, in, preLogits)))
                .run(features, "out");
    }

    /** A view of this model that returns the NCHW feature maps at {@code outIndices} (negative count from the end). */
    public FeatureExtractor featuresOnly(int... outIndices) {
        List<FeatureInfo> info = featureInfo();
        int[] idx = outIndices.length == 0 ? allIndices(info.size()) : outIndices.clone();
        for (int i = 0; i < idx.length; i++) {
            int j = idx[i] < 0 ? info.size() + idx[i] : idx[i];
            if (j < 0 || j >= info.size()) {
                throw new IllegalArgumentException("feature index " + idx[i] + " is out of range for " + name()
                        + ", which has " + info.size() + " feature maps (indices 0.." + (info.size() - 1)
                        + " or -" + info.size() + "..-1)");
            }
            idx[i] = j;
        }
        int[] sorted = idx.clone();
        Arrays.sort(sorted);
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i] == sorted[i - 1]) {
                throw new IllegalArgumentException("feature index " + sorted[i] + " given twice");
            }
        }
        List<FeatureInfo> chosen = new ArrayList<>();
        for (int j : sorted) {
            chosen.add(info.get(j));
        }
        return new FeatureExtractor(this, sorted, chosen);
    }

    List<INDArray> runIntermediates(INDArray x, int[] indices) {
        String kind = "intermediates" + Arrays.toString(indices);
        CompiledGraph g = graph(kind, x, Mode.EVAL, (ops, in) -> {
            List<Tensor> maps = forwardIntermediates(ops, in, indices);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (int i = 0; i < maps.size(); i++) {
                out.put("f" + i, maps.get(i));
            }
            return out;
        });
        String[] names = new String[indices.length];
        for (int i = 0; i < names.length; i++) {
            names[i] = "f" + i;
        }
        Map<String, INDArray> r = g.run(x, names);
        List<INDArray> out = new ArrayList<>();
        for (String n : names) {
            out.add(r.get(n));
        }
        return out;
    }

    /** Replaces the classifier (timm's {@code reset_classifier}); 0 makes {@link #forward} return pooled features. */
    public synchronized void resetClassifier(int numClasses) {
        if (numClasses < 0) {
            throw new IllegalArgumentException("numClasses must be >= 0, got " + numClasses);
        }
        replaceClassifier(numClasses);
        this.numClasses = numClasses;
        graphs.clear();
        steps.clear();
    }

    /**
     * The training step of this model at {@code h x w}: cross-entropy of the logits against soft targets
     * {@code [N, numClasses]}, its gradients, and BatchNorm statistics updates. Inputs: {@code input} and
     * {@code targets} (see {@link #trainingInputs}).
     */
    public synchronized TrainingStep trainingStep(long h, long w) {
        if (numClasses() == 0) {
            throw new IllegalStateException(name() + " has no classifier (numClasses = 0); resetClassifier(n) first");
        }
        String key = h + "x" + w;
        TrainingStep s = steps.get(key);
        if (s == null) {
            Ops ops = new Ops(store, Mode.TRAIN);
            Tensor x = ops.placeholder(INPUT, -1, inChans(), h, w);
            Tensor t = ops.placeholder(TARGETS, -1, numClasses());
            Tensor loss = ops.softTargetCrossEntropy(forward(ops, x), t);
            s = new TrainingStep(ops, loss);
            steps.put(key, s);
        }
        return s;
    }

    /** The placeholder map of {@link #trainingStep}: images and soft targets. */
    public static Map<String, INDArray> trainingInputs(INDArray images, INDArray targets) {
        return Map.of(INPUT, images, TARGETS, targets);
    }

    private synchronized CompiledGraph graph(String kind, INDArray x, Mode mode,
                                             BiFunction<Ops, Tensor, Map<String, Tensor>> body) {
        if (x.rank() != 4 && !kind.startsWith("head")) {
            throw new ShapeMismatchException("input", "expected an NCHW image batch [N, " + inChans() + ", H, W] but got "
                    + Arrays.toString(x.shape()));
        }
        long[] s = x.shape();
        long[] perSample = Arrays.copyOfRange(s, 1, s.length);
        String key = kind + Arrays.toString(perSample) + mode;
        CompiledGraph g = graphs.get(key);
        if (g == null) {
            Ops ops = new Ops(store, mode);
            long[] ph = s.clone();
            ph[0] = -1;
            Tensor in = ops.placeholder(INPUT, ph);
            g = new CompiledGraph(ops, in, body.apply(ops, in));
            graphs.put(key, g);
        }
        return g;
    }

    private static int[] allIndices(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }
}
