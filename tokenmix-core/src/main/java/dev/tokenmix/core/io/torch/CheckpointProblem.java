package dev.tokenmix.core.io.torch;

/**
 * A malformed or unsupported checkpoint, found deep inside the reader where the file name is not at hand;
 * {@link TorchCheckpoint} turns it into a {@link dev.tokenmix.core.io.WeightsFormatException} naming the file.
 * The message says what is wrong in a few words, without the file name and without a trailing period.
 */
final class CheckpointProblem extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CheckpointProblem(String message) {
        super(message, null, false, false);
    }
}
