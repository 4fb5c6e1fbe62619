package dev.tokenmix.models;

import java.util.List;

/** A model name that is not registered; the message lists the closest registered names. */
public class UnknownModelException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final List<String> suggestions;

    public UnknownModelException(String name, List<String> suggestions) {
        super("unknown model '" + name + "'" + (suggestions.isEmpty() ? "" : "; did you mean " + String.join(", ", suggestions) + "?")
                + " (list them with: tokenmix models)");
        this.suggestions = List.copyOf(suggestions);
    }

    public List<String> suggestions() {
        return suggestions;
    }
}
