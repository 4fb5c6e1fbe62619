package dev.tokenmix.bench;

import dev.tokenmix.models.TokenMix;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Prints the registered model names matching comma-separated wildcards, joined by commas, for
 * {@code scripts/jmh.sh --models PATTERN} to pass to JMH as {@code -p model=...}: the benchmarks take their model
 * list from the registry, so a newly registered family is benchmarked without code changes.
 */
public final class ListModels {
    private ListModels() {
    }

    public static void main(String[] args) {
        Set<String> names = new LinkedHashSet<>();
        for (String p : (args.length == 0 ? "*" : args[0]).split(",")) {
            names.addAll(TokenMix.listModels(p.strip()));
        }
        if (names.isEmpty()) {
            System.err.println("no registered model matches '" + (args.length == 0 ? "*" : args[0]) + "'");
            System.exit(2);
        }
        System.out.println(String.join(",", names));
    }
}
