package dev.tokenmix.core.io;

/**
 * A weights or array file that cannot be loaded: malformed, truncated, hostile (a header that points
 * outside the file, sizes that overflow) or valid but unsupported (a dtype ND4J has no type for).
 *
 * <p>The message is one line that names the file, says what is wrong and, where there is one, how to
 * fix it. It extends {@link IllegalArgumentException} because a bad file is bad input: the command line
 * maps it to exit code 2. Subclasses refine the cause (an unsafe pickle, for example).
 */
public class WeightsFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public WeightsFormatException(String message) {
        super(message);
    }

    public WeightsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
