package dev.tokenmix.train.optim;

import dev.tokenmix.core.params.Param;
import java.util.Set;

/**
 * Which parameters take weight decay, by timm's rule ({@code param_groups_weight_decay}): none of rank &lt;= 1 in
 * PyTorch (norm weights, biases, scales), none whose key ends in {@code .bias}, and none named in the model's
 * no-weight-decay set (position embeddings, class tokens, relative position tables). Use it to build an optimizer
 * for a model: {@code WeightDecayRule.of(model.noWeightDecay())}.
 */
public final class WeightDecayRule {
    private final Set<String> names;

    private WeightDecayRule(Set<String> names) {
        this.names = Set.copyOf(names);
    }

    /** The rule with {@code noWeightDecay} as the extra exclusions (a name matches a whole key or its last part). */
    public static WeightDecayRule of(Set<String> noWeightDecay) {
        return new WeightDecayRule(noWeightDecay);
    }

    /** Only the rank and {@code .bias} parts of the rule. */
    public static WeightDecayRule ranksOnly() {
        return new WeightDecayRule(Set.of());
    }

    /** Whether {@code p} decays. */
    public boolean decays(Param p) {
        String key = p.key();
        if (p.torchShape().length <= 1 || key.endsWith(".bias")) {
            return false;
        }
        String last = key.substring(key.lastIndexOf('.') + 1);
        return !names.contains(key) && !names.contains(last);
    }
}
