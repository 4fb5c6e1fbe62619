package dev.tokenmix.core.engine;

/**
 * Which executor runs a graph, from the system property {@value CompiledGraph#EXECUTOR_PROPERTY}: {@code plan}
 * (the default: the plan executor, SameDiff's session for graphs it cannot plan), {@code samediff} (always
 * SameDiff's session, for comparison) or {@code strict} (the plan executor, and a graph it cannot plan is an error;
 * the test suite runs so, so that no test passes on SameDiff's values while meaning to check the plan's).
 */
final class ExecutorChoice {
    private ExecutorChoice() {
    }

    /** Whether graphs go to the plan executor first. */
    static boolean planFirst() {
        return !"samediff".equals(value());
    }

    /**
     * What to do when the plan executor cannot run a graph: nothing (the caller falls back to SameDiff), or, in
     * strict mode, throw.
     *
     * @param why the executor's exception
     */
    static void cannotPlan(UnsupportedOperationException why) {
        if ("strict".equals(value())) {
            throw new IllegalStateException("the plan executor cannot run this graph, and "
                    + CompiledGraph.EXECUTOR_PROPERTY + "=strict forbids falling back to SameDiff: " + why.getMessage(),
                    why);
        }
    }

    private static String value() {
        return System.getProperty(CompiledGraph.EXECUTOR_PROPERTY, "plan");
    }
}
