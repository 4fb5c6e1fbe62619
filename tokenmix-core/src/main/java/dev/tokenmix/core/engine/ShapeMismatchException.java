package dev.tokenmix.core.engine;

/**
 * A value reached a module with a shape it cannot take. Thrown while the graph is built, before any native
 * code runs, with the module path and the expected and actual shapes in the message.
 */
public class ShapeMismatchException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String modulePath;

    public ShapeMismatchException(String modulePath, String message) {
        super((modulePath.isEmpty() ? "<model>" : modulePath) + ": " + message);
        this.modulePath = modulePath;
    }

    /** The dotted path of the module (its parameter-key prefix) that rejected the input. */
    public String modulePath() {
        return modulePath;
    }
}
