package dev.tokenmix.train.data;

/** An image file that cannot be decoded; {@link DataLoader} skips the sample and reports the count once. */
public class UnreadableImageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnreadableImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
