package dev.tokenmix.cli;

/**
 * A subcommand that another module adds to {@code tokenmix} without the CLI depending on it (the {@code bench}
 * command of tokenmix-bench, for example).
 *
 * <p>Implementations are found with {@link java.util.ServiceLoader}: list the implementing class in
 * {@code META-INF/services/dev.tokenmix.cli.CliCommand} of the module's jar. They need a public no-argument
 * constructor. A command whose name is already taken (a built-in or an earlier plugin) is skipped with a
 * warning.
 *
 * <p>Commands report bad user input by throwing {@link picocli.CommandLine.ParameterException} or
 * {@link IllegalArgumentException} (exit status 2) and failures while running by any other exception (exit
 * status 1); the CLI turns either into a one-line message.
 */
public interface CliCommand {

    /**
     * The picocli command: an instance of a class annotated with {@link picocli.CommandLine.Command}, a
     * {@link picocli.CommandLine.Model.CommandSpec}, or a {@link picocli.CommandLine}. Its name is the
     * subcommand's name.
     */
    Object command();
}
