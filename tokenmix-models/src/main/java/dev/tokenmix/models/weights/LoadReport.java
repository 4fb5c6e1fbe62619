package dev.tokenmix.models.weights;

import java.util.List;

/**
 * What loading a state_dict into a model did, as timm reports it: which keys were loaded, which the model has but
 * the checkpoint lacks, which the checkpoint has but the model does not, and whether the classifier was left out
 * because its class count differs.
 *
 * @param loaded keys copied into the model
 * @param missing model keys absent from the checkpoint (not counting a dropped classifier)
 * @param unexpected checkpoint keys the model does not have
 * @param droppedClassifier classifier keys skipped because the class counts differ (they keep their fresh init)
 */
public record LoadReport(List<String> loaded, List<String> missing, List<String> unexpected,
                         List<String> droppedClassifier) {

    public LoadReport {
        loaded = List.copyOf(loaded);
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        droppedClassifier = List.copyOf(droppedClassifier);
    }

    /** True when every model key was loaded and nothing was left over. */
    public boolean exact() {
        return missing.isEmpty() && unexpected.isEmpty() && droppedClassifier.isEmpty();
    }

    /** One line: {@code loaded 152 tensors; 0 missing; 0 unexpected}. */
    public String summary() {
        return "loaded " + loaded.size() + " tensors; " + missing.size() + " missing" + list(missing) + "; "
                + unexpected.size() + " unexpected" + list(unexpected)
                + (droppedClassifier.isEmpty() ? "" : "; classifier not loaded (class count differs): "
                        + String.join(", ", droppedClassifier));
    }

    private static String list(List<String> keys) {
        if (keys.isEmpty()) {
            return "";
        }
        List<String> head = keys.subList(0, Math.min(5, keys.size()));
        return " (" + String.join(", ", head) + (keys.size() > head.size() ? ", ..." : "") + ")";
    }
}
