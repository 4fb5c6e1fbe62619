package dev.tokenmix.train.optim;

import dev.tokenmix.core.params.Param;
import dev.tokenmix.core.params.ParameterStore;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A minimal AdamW (Loshchilov &amp; Hutter, decoupled weight decay) over a model's {@link ParameterStore}.
 *
 * <p>Each trainable parameter gets its own ND4J {@link Adam} {@link GradientUpdater} (the manual-training
 * pattern of ND4J 1.0.0-M2.1, which reproduces {@code SameDiff.fit()} exactly). One {@link #step} does, for
 * every parameter {@code p} with gradient {@code g}:
 *
 * <pre>
 *   p = p - lr * wd * p                                   (decay, only for parameters of rank &gt;= 2)
 *   m = b1 m + (1 - b1) g ;  v = b2 v + (1 - b2) g²
 *   p = p - lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
 * </pre>
 *
 * <p>The decay uses the parameter before this step's Adam update, as PyTorch's {@code torch.optim.AdamW} does.
 * The Adam part is ND4J's: {@code eps} is added to {@code sqrt(v)} before the {@code sqrt(1 - b2^t)} bias
 * correction is folded into the step size, which differs from PyTorch's placement of {@code eps} by a factor of
 * {@code sqrt(1 - b2^t)} on {@code eps} (negligible unless gradients are about as small as {@code eps}).
 *
 * <p><b>Which parameters decay.</b> For now weight decay applies to every trainable parameter whose PyTorch
 * shape has rank &gt;= 2 (linear and conv weights, and also position embeddings and class tokens); parameters of
 * rank &lt;= 1 (norm weights, biases, other 1-D tensors) are never decayed. This is timm's default rule without
 * its per-model {@code no_weight_decay()} list; a later change will make the rule configurable.
 *
 * <p>Step counts are kept per parameter (as PyTorch does), so a parameter that is replaced in the store (for
 * example by {@code resetClassifier}) starts again with fresh moments. Not thread-safe.
 */
public final class AdamW {
    /** PyTorch's defaults for {@code torch.optim.AdamW}. */
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.999;
    public static final double DEFAULT_EPSILON = 1e-8;
    public static final double DEFAULT_WEIGHT_DECAY = 0.01;

    private final ParameterStore store;
    private final Adam config;
    private final double weightDecay;
    private final Map<String, State> states = new HashMap<>();
    private long steps;

    private static final class State {
        final INDArray param;
        final GradientUpdater<?> updater;
        int iteration;

        State(INDArray param, GradientUpdater<?> updater) {
            this.param = param;
            this.updater = updater;
        }
    }

    /** AdamW with PyTorch's default betas, epsilon and weight decay (0.01). */
    public AdamW(ParameterStore store, double learningRate) {
        this(store, learningRate, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPSILON, DEFAULT_WEIGHT_DECAY);
    }

    /**
     * @param store the parameters to update in place
     * @param learningRate step size, &gt; 0
     * @param beta1 first-moment decay in [0, 1)
     * @param beta2 second-moment decay in [0, 1)
     * @param epsilon added to {@code sqrt(v)}, &gt; 0
     * @param weightDecay decoupled decay coefficient, &gt;= 0 (multiplied by the learning rate)
     */
    public AdamW(ParameterStore store, double learningRate, double beta1, double beta2, double epsilon,
                 double weightDecay) {
        if (store == null) {
            throw new IllegalArgumentException("store must not be null");
        }
        check(learningRate > 0, "learningRate must be > 0, got " + learningRate);
        check(beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1), got " + beta1);
        check(beta2 >= 0 && beta2 < 1, "beta2 must be in [0, 1), got " + beta2);
        check(epsilon > 0, "epsilon must be > 0, got " + epsilon);
        check(weightDecay >= 0, "weightDecay must be >= 0, got " + weightDecay);
        this.store = store;
        this.config = new Adam(learningRate, beta1, beta2, epsilon);
        this.weightDecay = weightDecay;
    }

    /**
     * Applies one update to every parameter named in {@code gradients} (parameter key to gradient, e.g.
     * {@code TrainingStep.Result.gradients()}); parameters without a gradient are left untouched, decay included.
     *
     * <p>The gradient arrays are overwritten in place with the Adam updates; copy them first if you need them
     * afterwards.
     *
     * @throws IllegalArgumentException for an unknown key, a buffer, or a gradient whose shape differs from the
     *     parameter's
     */
    public void step(Map<String, INDArray> gradients) {
        double lr = config.getLearningRate();
        for (Map.Entry<String, INDArray> e : gradients.entrySet()) {
            String key = e.getKey();
            INDArray grad = e.getValue();
            if (!store.contains(key)) {
                throw new IllegalArgumentException("gradient for '" + key + "', which is not in the parameter store");
            }
            Param p = store.get(key);
            if (!p.trainable()) {
                throw new IllegalArgumentException("gradient for buffer '" + key + "', which is not trainable");
            }
            INDArray param = p.array();
            if (!java.util.Arrays.equals(grad.shape(), param.shape())) {
                throw new IllegalArgumentException("gradient for '" + key + "' has shape "
                        + java.util.Arrays.toString(grad.shape()) + " but the parameter has "
                        + java.util.Arrays.toString(param.shape()));
            }
            State s = states.get(key);
            if (s == null || s.param != param) {
                long n = param.length();
                INDArray view = Nd4j.zeros(param.dataType(), 1, config.stateSize(n));
                s = new State(param, config.instantiate(view, true));
                states.put(key, s);
            }
            if (weightDecay > 0 && decays(p)) {
                param.muli(1.0 - lr * weightDecay);
            }
            INDArray update = grad.castTo(param.dataType());
            s.updater.applyUpdater(update, s.iteration, 0);
            param.subi(update);
            s.iteration++;
        }
        steps++;
    }

    /** Whether decoupled weight decay applies to {@code p}: PyTorch rank &gt;= 2 (see the class comment). */
    public static boolean decays(Param p) {
        return p.torchShape().length >= 2;
    }

    public double learningRate() {
        return config.getLearningRate();
    }

    /** Sets the learning rate used from the next {@link #step} on (for schedules). */
    public void setLearningRate(double learningRate) {
        check(learningRate > 0, "learningRate must be > 0, got " + learningRate);
        config.setLearningRate(learningRate);
    }

    public double weightDecay() {
        return weightDecay;
    }

    /** Number of {@link #step} calls so far. */
    public long steps() {
        return steps;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
