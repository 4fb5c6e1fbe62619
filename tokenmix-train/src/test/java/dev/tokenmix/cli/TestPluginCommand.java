package dev.tokenmix.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** A {@link CliCommand} registered in the test resources, to check plugin discovery and exit codes. */
public final class TestPluginCommand implements CliCommand {

    @Override
    public Object command() {
        return new Body();
    }

    @Command(name = "test-plugin", description = "Test only.")
    static final class Body implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--throw")
        String kind;

        @Override
        public Integer call() {
            if (kind == null) {
                spec.commandLine().getOut().println("plugin ran");
                return 0;
            }
            switch (kind) {
                case "usage" -> throw new IllegalArgumentException("bad value for --throw");
                case "failure" -> throw new IllegalStateException("disk on fire");
                case "library" -> picocli.CommandLine.Help.Ansi.valueOf("NOT_A_MODE"); // IllegalArgumentException
                                                                                    // raised by a library
                default -> {
                }
            }
            return 0;
        }
    }
}
