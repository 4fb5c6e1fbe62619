package dev.tokenmix.core.engine;

/** Which behaviour a graph is built for. */
public enum Mode {
    /**
     * Training graph: dropout, DropPath and BatchNorm batch statistics are switched on by the BOOL placeholder
     * {@code keras_learning_phase}, which SameDiff fills with true in {@code fit()}/{@code calculateGradients()}
     * and false in {@code output()}; the training step passes it explicitly.
     */
    TRAIN,
    /** Inference graph: dropout and DropPath are left out and BatchNorm uses its running statistics. */
    EVAL
}
