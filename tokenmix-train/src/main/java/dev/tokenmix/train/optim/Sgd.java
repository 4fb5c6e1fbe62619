package dev.tokenmix.train.optim;

import dev.tokenmix.core.params.ParameterStore;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Stochastic gradient descent with momentum and optional Nesterov momentum, computed as PyTorch's
 * {@code torch.optim.SGD} (no dampening), for each parameter {@code p} with gradient {@code g}:
 *
 * <pre>
 *   g = g + wd p                                  (L2 weight decay, only where the {@link WeightDecayRule} allows)
 *   buf = g on the first step, else momentum buf + g
 *   g = g + momentum buf if nesterov, else buf
 *   p = p - lr g
 * </pre>
 *
 * <p>timm's default optimizer and the one of convolutional recipes. State slot: {@code momentum_buffer}.
 */
public final class Sgd extends Optimizer {
    private final double momentum;
    private final boolean nesterov;

    /**
     * @param store the parameters to update in place
     * @param learningRate initial step size, &gt;= 0
     * @param momentum momentum factor in [0, 1); 0 for plain SGD
     * @param nesterov Nesterov momentum (needs momentum &gt; 0)
     * @param weightDecay L2 penalty coefficient, &gt;= 0
     * @param decayRule which parameters decay
     */
    public Sgd(ParameterStore store, double learningRate, double momentum, boolean nesterov, double weightDecay,
               WeightDecayRule decayRule) {
        super(store, learningRate, weightDecay, decayRule);
        check(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got " + momentum);
        check(!nesterov || momentum > 0, "Nesterov momentum needs momentum > 0");
        this.momentum = momentum;
        this.nesterov = nesterov;
    }

    @Override
    protected void update(String key, INDArray param, INDArray grad, long t, double lr, double wd) {
        INDArray g = grad;
        if (wd > 0) {
            g = g.add(param.mul(wd));
        }
        if (momentum > 0) {
            boolean first = !hasSlot("momentum_buffer", key);
            INDArray buf = slot("momentum_buffer", key, param);
            if (first) {
                buf.assign(g);
            } else {
                buf.muli(momentum).addi(g);
            }
            g = nesterov ? g.add(buf.mul(momentum)) : buf;
        }
        param.subi(g.mul(lr));
    }
}
