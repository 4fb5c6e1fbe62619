package dev.tokenmix.train.loop;

/**
 * A training step produced a NaN or infinite loss. The run stops before the step's gradients touch the weights;
 * the last checkpoint on disk is the last good state.
 */
public final class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TrainingDivergedException(int epoch, long step, double loss) {
        super("the loss became " + loss + " at epoch " + epoch + ", step " + step
                + "; the run stopped and the last checkpoint is the last good state (lower --lr or set --clip-grad)");
    }
}
