package dev.tokenmix.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Properties;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code tokenmix} command line. Built-in subcommands ({@code models}, {@code info}, {@code help}) plus every
 * {@link CliCommand} found on the class path.
 *
 * <p>Exit status: 0 success, 1 failure while running, 2 bad usage or bad input. Errors are one line on stderr that
 * says what was wrong and how to fix it; {@code --verbose} adds the stack trace.
 */
@Command(name = "tokenmix", mixinStandardHelpOptions = true, versionProvider = TokenMixCli.Version.class,
        subcommands = {ModelsCommand.class, InfoCommand.class, PredictCommand.class, ConvertCommand.class,
                TrainCommand.class, ValidateCommand.class, DemoCommand.class, DataCommand.class, HelpCommand.class},
        description = "Token-mixing vision backbones (SWAT, PaCa-ViT, PSViT, STT, GLMix) on ND4J SameDiff.",
        footer = {"", "Exit status: 0 success, 1 failure while running, 2 bad usage or bad input.",
                "Run 'tokenmix help COMMAND' for a command's options."})
public final class TokenMixCli implements Callable<Integer> {
    /** Exit status of a command that succeeded. */
    public static final int OK = 0;
    /** Exit status of a command that failed while running. */
    public static final int FAILURE = 1;
    /** Exit status of bad usage or bad input. */
    public static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Print stack traces of errors and ND4J's startup log.")
    boolean verbose;

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        System.exit(code);
    }

    /** The configured command line (built-ins, plugins, error handling), ready to {@code execute}. */
    public static CommandLine commandLine() {
        TokenMixCli root = new TokenMixCli();
        CommandLine cl = new CommandLine(root);
        for (CliCommand plugin : plugins(cl.getErr())) {
            CommandLine sub = plugin.command() instanceof CommandLine c ? c : new CommandLine(plugin.command());
            String name = sub.getCommandName();
            if (cl.getSubcommands().containsKey(name)) {
                cl.getErr().println("tokenmix: warning: ignoring " + plugin.getClass().getName() + ": command '" + name
                        + "' already exists");
                continue;
            }
            cl.addSubcommand(name, sub);
        }
        cl.setExecutionStrategy(pr -> {
            if (root.verbose) {
                // Effective only before slf4j-simple is first used, which is the case in the launcher.
                System.setProperty("org.slf4j.simpleLogger.log.org.nd4j", "info");
                System.setProperty("org.slf4j.simpleLogger.log.org.bytedeco", "info");
            }
            return new CommandLine.RunLast().execute(pr);
        });
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler(TokenMixCli::badUsage);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> failed(ex, cmd, root.verbose));
        return cl;
    }

    /** Without a subcommand: a usage error naming the commands. */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command; one of: "
                + String.join(", ", spec.commandLine().getSubcommands().keySet()));
    }

    private static List<CliCommand> plugins(PrintWriter err) {
        List<CliCommand> found = new ArrayList<>();
        Iterator<CliCommand> it = ServiceLoader.load(CliCommand.class).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                found.add(it.next());
            } catch (ServiceConfigurationError e) {
                err.println("tokenmix: warning: a command could not be loaded: " + UsageErrors.oneLine(e));
            }
        }
        return found;
    }

    private static int badUsage(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        String msg = UsageErrors.oneLine(ex);
        if (ex instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            msg += "; did you mean " + String.join(" or ", u.getSuggestions()) + "?";
        }
        boolean verbose = verbose(cmd);
        if (verbose) {
            ex.printStackTrace(cmd.getErr());
        }
        cmd.getErr().println(qualifiedName(cmd) + ": " + msg + " (see '" + qualifiedName(cmd) + " --help')");
        cmd.getErr().flush();
        return USAGE;
    }

    private static int failed(Exception ex, CommandLine cmd, boolean verbose) {
        PrintWriter err = cmd.getErr();
        if (verbose) {
            ex.printStackTrace(err);
        }
        boolean usage = UsageErrors.isUsageError(ex);
        String hint = verbose ? "" : usage ? "" : " (run with --verbose for the stack trace)";
        err.println(qualifiedName(cmd) + ": " + (usage ? "" : "error: ") + UsageErrors.oneLine(ex) + hint);
        err.flush();
        return usage ? USAGE : FAILURE;
    }

    private static boolean verbose(CommandLine cmd) {
        CommandLine c = cmd;
        while (c.getParent() != null) {
            c = c.getParent();
        }
        return c.getCommand() instanceof TokenMixCli t && t.verbose;
    }

    private static String qualifiedName(CommandLine cmd) {
        return cmd.getCommandSpec().qualifiedName();
    }

    /** {@code --version}: tokenmix, ND4J and Java versions. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties p = new Properties();
            try (InputStream in = TokenMixCli.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                // fall through to "unknown"
            }
            return new String[] {"tokenmix " + p.getProperty("version", "unknown") + " (ND4J "
                    + p.getProperty("nd4j.version", "unknown") + ", Java " + System.getProperty("java.version") + ")"};
        }
    }
}
