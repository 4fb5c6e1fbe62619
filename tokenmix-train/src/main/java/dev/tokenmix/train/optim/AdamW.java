package dev.tokenmix.train.optim;

import dev.tokenmix.core.engine.exec.OptimizerKernels;
import dev.tokenmix.core.params.ParameterStore;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.factory.Nd4j;

/**
 * AdamW (Loshchilov &amp; Hutter, <a href="https://arxiv.org/abs/1711.05101">arXiv 1711.05101</a>): Adam with
 * decoupled weight decay, computed as PyTorch's {@code torch.optim.AdamW} computes it, for each parameter
 * {@code p} with gradient {@code g} at its step {@code t}:
 *
 * <pre>
 *   p = p (1 - lr wd)                                     (only where the {@link WeightDecayRule} allows)
 *   m = b1 m + (1 - b1) g ;  v = b2 v + (1 - b2) g²
 *   p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 *
 * <p>The optimizer of the vision-transformer recipes (DeiT, Swin, PaCa-ViT, GLNet): use it with a cosine schedule.
 * State slots: {@code exp_avg}, {@code exp_avg_sq} (PyTorch's names).
 */
public final class AdamW extends Optimizer {
    /** PyTorch's defaults for {@code torch.optim.AdamW}. */
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.999;
    public static final double DEFAULT_EPSILON = 1e-8;
    public static final double DEFAULT_WEIGHT_DECAY = 0.01;

    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private long calls;
    private final Map<Long, INDArray> scratch = new HashMap<>();

    /** AdamW with PyTorch's default betas, epsilon and weight decay (0.01), decaying parameters of rank &gt;= 2. */
    public AdamW(ParameterStore store, double learningRate) {
        this(store, learningRate, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPSILON, DEFAULT_WEIGHT_DECAY);
    }

    /** AdamW decaying parameters of rank &gt;= 2 except biases ({@link WeightDecayRule#ranksOnly()}). */
    public AdamW(ParameterStore store, double learningRate, double beta1, double beta2, double epsilon,
                 double weightDecay) {
        this(store, learningRate, beta1, beta2, epsilon, weightDecay, WeightDecayRule.ranksOnly());
    }

    /**
     * @param store the parameters to update in place
     * @param learningRate initial step size, &gt;= 0 (a schedule sets it before each step)
     * @param beta1 first-moment decay in [0, 1)
     * @param beta2 second-moment decay in [0, 1)
     * @param epsilon added to the bias-corrected {@code sqrt(v)}, &gt; 0
     * @param weightDecay decoupled decay coefficient, &gt;= 0 (multiplied by the learning rate)
     * @param decayRule which parameters decay
     */
    public AdamW(ParameterStore store, double learningRate, double beta1, double beta2, double epsilon,
                 double weightDecay, WeightDecayRule decayRule) {
        super(store, learningRate, weightDecay, decayRule);
        check(beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1), got " + beta1);
        check(beta2 >= 0 && beta2 < 1, "beta2 must be in [0, 1), got " + beta2);
        check(epsilon > 0, "epsilon must be > 0, got " + epsilon);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    @Override
    public void step(Map<String, INDArray> gradients) {
        super.step(gradients);
        calls++;
    }

    /** Number of {@link #step} calls on this instance. */
    public long steps() {
        return calls;
    }

    @Override
    protected void update(String key, INDArray param, INDArray grad, long t, double lr, double wd) {
        INDArray m = slot("exp_avg", key, param);
        INDArray v = slot("exp_avg_sq", key, param);
        double bc1 = 1.0 - Math.pow(beta1, t);
        double bc2Sqrt = Math.sqrt(1.0 - Math.pow(beta2, t));
        // one Java pass over the parameter and its state where all are dense float arrays (measured about 2x faster
        // than the native calls below); otherwise libnd4j
        if (OptimizerKernels.adamW(param, grad, m, v, (float) (1.0 - lr * wd), (float) beta1, (float) beta2,
                (float) (lr / bc1), (float) bc2Sqrt, (float) epsilon)) {
            return;
        }
        if (wd > 0) {
            param.muli(1.0 - lr * wd);
        }
        // One native pass (libnd4j's adam_updater) instead of a dozen array operations with temporaries. It computes
        // lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + e): PyTorch's update above exactly when
        // e = eps sqrt(1 - b2^t).
        // At lr = 0 the moments still advance but the parameter stays put (libnd4j would replace a zero step size
        // by epsilon), as in PyTorch.
        INDArray update = scratch(param);
        Nd4j.exec(new AdamUpdater(grad.reshape(param.shape()), v, m, update, v, m, lr > 0 ? lr : 1.0, beta1, beta2,
                epsilon * bc2Sqrt, Math.toIntExact(t - 1)));
        if (lr > 0) {
            param.subi(update);
        }
    }

    /** A reused array for the update of parameters shaped like {@code param}. */
    private INDArray scratch(INDArray param) {
        INDArray s = scratch.get(param.length());
        if (s == null || s.dataType() != param.dataType()) {
            s = Nd4j.create(param.dataType(), param.length());
            scratch.put(param.length(), s);
        }
        return s.reshape(param.shape());
    }
}
