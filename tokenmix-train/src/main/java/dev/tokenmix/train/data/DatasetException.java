package dev.tokenmix.train.data;

/**
 * A dataset that cannot be opened: a missing or empty folder, no readable images, a malformed CIFAR file, a bad
 * class map. It is bad input, so the command line reports its one-line message with exit status 2.
 */
public class DatasetException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
