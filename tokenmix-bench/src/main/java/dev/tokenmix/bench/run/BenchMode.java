package dev.tokenmix.bench.run;

/** What one timed step of {@code tokenmix bench} is. */
public enum BenchMode {
    /** An eval-mode forward pass to the logits. */
    INFER("infer"),
    /** Forward, soft-target cross-entropy, backward (SameDiff's gradient function) and one AdamW step. */
    TRAIN("train");

    private final String label;

    BenchMode(String label) {
        this.label = label;
    }

    /** The name used on the command line and in the CSV. */
    public String label() {
        return label;
    }
}
