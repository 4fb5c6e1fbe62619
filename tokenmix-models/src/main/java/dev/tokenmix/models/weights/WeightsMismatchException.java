package dev.tokenmix.models.weights;

/**
 * A checkpoint that does not fit the model: tensors of the wrong shape, or (when loading strictly) missing or
 * unexpected keys. Nothing was copied into the model.
 */
public class WeightsMismatchException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final transient LoadReport report;

    public WeightsMismatchException(String message, LoadReport report) {
        super(message);
        this.report = report;
    }

    /** What would have been loaded, missing and unexpected; null for shape errors. */
    public LoadReport report() {
        return report;
    }
}
