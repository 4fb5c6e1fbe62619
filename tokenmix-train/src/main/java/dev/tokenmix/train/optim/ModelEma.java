package dev.tokenmix.train.optim;

import dev.tokenmix.core.params.Param;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.models.Model;
import java.util.ArrayList;
import java.util.List;

/**
 * An exponential moving average of a model's weights, timm's {@code ModelEmaV2}: after every optimizer update,
 * each entry of the state_dict (parameters and BatchNorm statistics alike) becomes
 * {@code ema = decay ema + (1 - decay) model}; counters ({@code num_batches_tracked}) are copied. The averaged
 * weights live in a second model of the same variant, so they can be evaluated and saved like any model.
 *
 * <p>Use it for the recipes that evaluate EMA weights ({@code --model-ema}, DeiT-style training). Polyak &amp;
 * Juditsky, "Acceleration of stochastic approximation by averaging", 1992.
 */
public final class ModelEma {
    private final Model shadow;
    private final double decay;
    private final List<Param> live = new ArrayList<>();
    private final List<Param> averaged = new ArrayList<>();

    /**
     * @param model the model being trained
     * @param shadow a model of the same variant, options and classifier; its weights are replaced by the model's
     * @param decay the averaging decay in [0, 1), e.g. 0.9998
     */
    public ModelEma(Model model, Model shadow, double decay) {
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException("EMA decay must be in [0, 1), got " + decay);
        }
        if (model == shadow) {
            throw new IllegalArgumentException("the EMA needs a second model, not the trained one");
        }
        this.shadow = shadow;
        this.decay = decay;
        ParameterStore from = model.parameters();
        ParameterStore to = shadow.parameters();
        for (Param p : from.entries()) {
            if (!to.contains(p.key())) {
                throw new IllegalArgumentException("the EMA model has no '" + p.key() + "'; create it with the same "
                        + "variant and options as the trained model");
            }
            Param q = to.get(p.key());
            q.array().assign(p.array());
            live.add(p);
            averaged.add(q);
        }
    }

    /** Moves the average one step towards the model's current weights. */
    public void update() {
        for (int i = 0; i < live.size(); i++) {
            Param p = live.get(i);
            if (p.key().endsWith("num_batches_tracked")) {
                averaged.get(i).array().assign(p.array());
            } else {
                averaged.get(i).array().muli(decay).addi(p.array().mul(1.0 - decay));
            }
        }
    }

    /** The model holding the averaged weights. */
    public Model model() {
        return shadow;
    }

    public double decay() {
        return decay;
    }
}
