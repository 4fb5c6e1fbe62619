package dev.tokenmix.models.weights;

import dev.tokenmix.core.params.Param;
import dev.tokenmix.core.params.ParameterStore;
import dev.tokenmix.models.Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a PyTorch-layout state_dict into a model's parameter store: the family's key filter first
 * ({@link Model#filterCheckpoint}), then a lookup per key with a shape check, a cast to the model's data type and
 * the layout change of convolution weights. All checks run before anything is copied, so a failed load leaves the
 * model as it was. A classifier whose class count differs is skipped with a warning (fine-tuning from ImageNet
 * weights), as timm does.
 */
public final class WeightLoader {
    private static final Logger LOG = LoggerFactory.getLogger(WeightLoader.class);

    private WeightLoader() {
    }

    /**
     * Loads {@code stateDict} into {@code model}.
     *
     * @param strict refuse missing or unexpected keys (shape mismatches are always refused)
     * @param source the file name, for messages
     * @throws WeightsMismatchException if the checkpoint does not fit
     */
    public static LoadReport load(Model model, Map<String, INDArray> stateDict, boolean strict, String source) {
        LinkedHashMap<String, INDArray> sd = model.filterCheckpoint(new LinkedHashMap<>(stateDict));
        ParameterStore store = model.parameters();
        List<String> dropped = dropMismatchedClassifier(model, sd, source);

        Map<Param, INDArray> staged = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        List<String> wrongShape = new ArrayList<>();
        for (Param p : store.entries()) {
            if (!dropped.isEmpty() && under(p.key(), model.classifierPrefix())) {
                continue; // the fresh classifier stays
            }
            INDArray t = sd.remove(p.key());
            if (t == null) {
                // Checkpoints from PyTorch < 0.4.1 have no BatchNorm counters; they do not affect outputs.
                if (!p.key().endsWith("num_batches_tracked")) {
                    missing.add(p.key());
                }
                continue;
            }
            if (!Arrays.equals(t.shape(), p.torchShape())) {
                wrongShape.add(p.key() + " is " + Arrays.toString(t.shape()) + " in the checkpoint but "
                        + Arrays.toString(p.torchShape()) + " in the model");
                continue;
            }
            staged.put(p, p.layout().fromTorch(t.castTo(store.dataType()), p.array().shape()));
        }
        List<String> unexpected = new ArrayList<>(sd.keySet());
        List<String> loaded = new ArrayList<>();
        staged.keySet().forEach(p -> loaded.add(p.key()));
        LoadReport report = new LoadReport(loaded, missing, unexpected, dropped);
        if (!wrongShape.isEmpty()) {
            throw new WeightsMismatchException(source + " does not fit " + model.name() + ": " + wrongShape.get(0)
                    + (wrongShape.size() > 1 ? " (and " + (wrongShape.size() - 1) + " more)" : "")
                    + "; is it a checkpoint of another variant?", null);
        }
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            throw new WeightsMismatchException(source + " does not match " + model.name() + ": " + report.summary()
                    + "; load non-strictly to accept this", report);
        }
        staged.forEach((p, v) -> p.array().assign(v));
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            LOG.warn("{} into {}: {}", source, model.name(), report.summary());
        }
        return report;
    }

    /**
     * Removes the checkpoint's classifier when it cannot fit: another class count, or a model without a classifier
     * ({@code numClasses = 0}). Returns the removed checkpoint keys (empty if the classifier fits).
     */
    private static List<String> dropMismatchedClassifier(Model model, Map<String, INDArray> sd, String source) {
        String prefix = model.classifierPrefix();
        List<String> inCheckpoint = sd.keySet().stream().filter(k -> under(k, prefix)).toList();
        ParameterStore store = model.parameters();
        boolean differs = false;
        for (String k : inCheckpoint) {
            // Another class count shows in the leading dimension; other shape differences are a wrong checkpoint.
            long[] s = sd.get(k).shape();
            differs |= !store.contains(k) || s.length == 0 || s[0] != store.get(k).torchShape()[0];
        }
        if (!differs) {
            return List.of();
        }
        inCheckpoint.forEach(sd::remove);
        LOG.warn("{}: its classifier ({}) does not fit {} with {} classes and was not loaded", source,
                String.join(", ", inCheckpoint), model.name(), model.numClasses());
        return inCheckpoint;
    }

    private static boolean under(String key, String prefix) {
        return key.equals(prefix) || key.startsWith(prefix + ".");
    }
}
