package dev.tokenmix.train.optim;

import dev.tokenmix.core.params.Param;
import dev.tokenmix.core.params.ParameterStore;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An optimizer over a model's {@link ParameterStore} on the manual gradient path: it receives the gradients of one
 * step (parameter key to gradient, as {@code TrainingStep.Result.gradients()} gives them) and updates the
 * parameters in place, with per-parameter state that a checkpoint can save and restore exactly.
 *
 * <p>The learning rate is set from outside before each step (by a schedule), as timm's schedulers do with a
 * PyTorch optimizer's param groups. Weight decay follows a {@link WeightDecayRule}. Not thread-safe.
 */
public abstract class Optimizer {
    private static final String STEP = "step";

    private final ParameterStore store;
    private final WeightDecayRule decayRule;
    private final double weightDecay;
    private double learningRate;
    /** Slot name + "/" + parameter key to state array, e.g. {@code exp_avg/blocks.0.mlp.fc1.weight}. */
    private final Map<String, INDArray> slots = new TreeMap<>();
    private final Map<String, Long> counts = new TreeMap<>();

    protected Optimizer(ParameterStore store, double learningRate, double weightDecay, WeightDecayRule decayRule) {
        if (store == null || decayRule == null) {
            throw new IllegalArgumentException("store and decayRule must not be null");
        }
        check(learningRate >= 0 && Double.isFinite(learningRate), "learning rate must be >= 0, got " + learningRate);
        check(weightDecay >= 0 && Double.isFinite(weightDecay), "weight decay must be >= 0, got " + weightDecay);
        this.store = store;
        this.learningRate = learningRate;
        this.weightDecay = weightDecay;
        this.decayRule = decayRule;
    }

    /**
     * Applies one update to every parameter named in {@code gradients}; parameters without a gradient are left
     * untouched, decay included. The gradient arrays may be overwritten.
     *
     * @throws IllegalArgumentException for an unknown key, a buffer, or a gradient whose shape differs from the
     *     parameter's
     */
    public void step(Map<String, INDArray> gradients) {
        for (Map.Entry<String, INDArray> e : gradients.entrySet()) {
            String key = e.getKey();
            if (!store.contains(key)) {
                throw new IllegalArgumentException("gradient for '" + key + "', which is not in the parameter store");
            }
            Param p = store.get(key);
            if (!p.trainable()) {
                throw new IllegalArgumentException("gradient for buffer '" + key + "', which is not trainable");
            }
            INDArray param = p.array();
            INDArray grad = e.getValue();
            if (!Arrays.equals(grad.shape(), param.shape())) {
                throw new IllegalArgumentException("gradient for '" + key + "' has shape "
                        + Arrays.toString(grad.shape()) + " but the parameter has " + Arrays.toString(param.shape()));
            }
            long t = counts.merge(key, 1L, Long::sum);
            double wd = decayRule.decays(p) ? weightDecay : 0.0;
            update(key, param, grad.castTo(param.dataType()), t, learningRate, wd);
        }
    }

    /**
     * The update of one parameter, in place.
     *
     * @param key the parameter key (for {@link #slot})
     * @param param the live parameter
     * @param grad its gradient in the parameter's type (may be modified)
     * @param t this parameter's step number, from 1
     * @param lr the learning rate
     * @param wd the weight decay of this parameter (0 where the rule excludes it)
     */
    protected abstract void update(String key, INDArray param, INDArray grad, long t, double lr, double wd);

    /** A state array of {@code key}, created as zeros like {@code like} on first use. */
    protected INDArray slot(String name, String key, INDArray like) {
        return slots.computeIfAbsent(name + "/" + key, k -> Nd4j.zeros(like.dataType(), like.shape()));
    }

    /** Whether the state array exists yet. */
    protected boolean hasSlot(String name, String key) {
        return slots.containsKey(name + "/" + key);
    }

    /**
     * The whole state as arrays (live, not copies): each slot under {@code slot/key} and each parameter's step
     * count under {@code step/key} (an INT64 scalar).
     */
    public Map<String, INDArray> state() {
        Map<String, INDArray> out = new LinkedHashMap<>(slots);
        counts.forEach((k, n) -> out.put(STEP + "/" + k, Nd4j.scalar(DataType.INT64, n)));
        return out;
    }

    /** Replaces the state with one saved by {@link #state()} (arrays are copied). */
    public void loadState(Map<String, INDArray> state) {
        slots.clear();
        counts.clear();
        for (Map.Entry<String, INDArray> e : state.entrySet()) {
            String k = e.getKey();
            int slash = k.indexOf('/');
            if (slash <= 0) {
                throw new IllegalArgumentException("optimizer state entry '" + k + "' is not 'slot/key'");
            }
            String key = k.substring(slash + 1);
            if (!store.contains(key)) {
                throw new IllegalArgumentException("optimizer state for '" + key + "', which the model does not have");
            }
            if (k.startsWith(STEP + "/")) {
                counts.put(key, e.getValue().getLong(0));
            } else {
                slots.put(k, e.getValue().castTo(store.array(key).dataType()).dup());
            }
        }
    }

    public double learningRate() {
        return learningRate;
    }

    /** Sets the learning rate of the following steps (schedules call it before each step). */
    public void setLearningRate(double learningRate) {
        check(learningRate >= 0 && Double.isFinite(learningRate), "learning rate must be >= 0, got " + learningRate);
        this.learningRate = learningRate;
    }

    public double weightDecay() {
        return weightDecay;
    }

    /** The store this optimizer updates. */
    public ParameterStore store() {
        return store;
    }

    static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
