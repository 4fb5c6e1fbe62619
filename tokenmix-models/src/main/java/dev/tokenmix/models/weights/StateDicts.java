package dev.tokenmix.models.weights;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Finds the state_dict inside a loaded checkpoint the way timm does: the first of {@code state_dict_ema},
 * {@code model_ema}, {@code state_dict}, {@code model} that is a dict of tensors, else the top level; then strips
 * the {@code module.} prefix of DataParallel/DistributedDataParallel and the {@code _orig_mod.} prefix of
 * {@code torch.compile}. Non-tensor entries (counters saved beside the weights) are left out.
 */
public final class StateDicts {
    /** Where weights are looked for, in order; EMA weights first, as the papers evaluate them. */
    public static final List<String> WEIGHT_KEYS = List.of("state_dict_ema", "model_ema", "state_dict", "model");
    private static final List<String> NON_EMA_KEYS = List.of("state_dict", "model");

    private StateDicts() {
    }

    /**
     * A state_dict found in a checkpoint.
     *
     * @param tensors key to tensor in PyTorch layout, prefixes stripped, in checkpoint order
     * @param foundUnder the top-level key it was under, or empty for the top level
     */
    public record Found(LinkedHashMap<String, INDArray> tensors, String foundUnder) {
    }

    /**
     * The state_dict of {@code checkpoint} (a map from a PyTorch or safetensors file).
     *
     * @param preferEma look under the EMA keys first (otherwise only {@code state_dict} and {@code model})
     * @throws IllegalArgumentException if no dict of tensors is found
     */
    public static Found find(Object checkpoint, boolean preferEma, String source) {
        if (!(checkpoint instanceof Map<?, ?> top)) {
            throw new IllegalArgumentException(source + " holds a " + describe(checkpoint)
                    + ", not a dict of tensors; save the model's state_dict()");
        }
        for (String k : preferEma ? WEIGHT_KEYS : NON_EMA_KEYS) {
            Object v = top.get(k);
            if (v instanceof Map<?, ?> m && countTensors(m) > 0) {
                return new Found(clean(m), k);
            }
        }
        if (countTensors(top) > 0) {
            return new Found(clean(top), "");
        }
        throw new IllegalArgumentException(source + " has no tensors at the top level nor under any of "
                + WEIGHT_KEYS + "; top-level keys are " + top.keySet());
    }

    private static long countTensors(Map<?, ?> m) {
        return m.values().stream().filter(v -> v instanceof INDArray).count();
    }

    private static LinkedHashMap<String, INDArray> clean(Map<?, ?> m) {
        LinkedHashMap<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (e.getValue() instanceof INDArray a) {
                out.put(stripPrefixes(String.valueOf(e.getKey())), a);
            }
        }
        return out;
    }

    /** {@code module.} and {@code _orig_mod.} removed from the front, in any combination. */
    public static String stripPrefixes(String key) {
        String k = key;
        boolean changed = true;
        while (changed) {
            changed = false;
            for (String p : new String[] {"module.", "_orig_mod."}) {
                if (k.startsWith(p)) {
                    k = k.substring(p.length());
                    changed = true;
                }
            }
        }
        return k;
    }

    private static String describe(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }
}
