package dev.tokenmix.bench.run;

import dev.tokenmix.cli.CliCommand;
import dev.tokenmix.core.engine.Backend;
import dev.tokenmix.core.engine.CompiledGraph;
import dev.tokenmix.models.TokenMix;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmix bench}: throughput of registered models, inference and/or a training step with AdamW, as CSV on
 * standard output (one row per model, mode and resolution; columns {@link BenchResult#CSV_HEADER}), with the
 * machine's sgemm ceiling measured in the same run. {@code --scaling} sweeps the input resolution and can draw the
 * sweep ({@link ScalingPlot}). Comment lines ({@code # ...}: backend, ceiling, out-of-memory retries, summary) go
 * to standard error so standard output stays plain CSV. See {@code docs/benchmarks.md}.
 */
public final class BenchCommand implements CliCommand {

    @Override
    public Object command() {
        return new Body();
    }

    @Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Measures throughput (samples/s), step time, GFLOP/s and peak memory of models.",
                "Prints CSV; '#' lines on stderr give the backend, the sgemm ceiling and any out-of-memory retry.",
                "Example: tokenmix bench --models 'glnet_4g,deit_tiny*' --mode both --batch-size 8"})
    static final class Body implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        static final class Selection {
            @Option(names = "--model", paramLabel = "NAME", description = "One registered model.")
            String model;

            @Option(names = "--models", paramLabel = "PATTERN",
                    description = "Comma-separated names or wildcards (* and ?) over the registered models.")
            String models;

            @Option(names = "--replot", paramLabel = "CSV", split = ",",
                    description = "Run nothing: draw --plot from these CSV files of earlier runs (e.g. one per model).")
            List<Path> replot;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Selection selection;

        @Option(names = "--img-size", paramLabel = "R", description = "Input resolution (default: each model's own).")
        Integer imgSize;

        @Option(names = "--scaling", paramLabel = "R,R,...", split = ",",
                description = "Sweep these input resolutions instead of --img-size, e.g. 224,288,384,448,512.")
        List<Integer> scaling;

        @Option(names = "--plot", paramLabel = "PNG", description = "With --scaling: draw the sweep into this PNG.")
        Path plot;

        @Option(names = "--batch-size", paramLabel = "B", defaultValue = "8", description = "Samples per step (default: ${DEFAULT-VALUE}).")
        int batchSize;

        @Option(names = "--mode", paramLabel = "MODE", defaultValue = "infer",
                description = "infer, train (forward, backward, AdamW) or both (default: ${DEFAULT-VALUE}).")
        String mode;

        @Option(names = "--warmup", paramLabel = "N", defaultValue = "2", description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--steps", paramLabel = "N", defaultValue = "5", description = "Timed steps; the median is reported (default: ${DEFAULT-VALUE}).")
        int steps;

        @Option(names = "--csv", paramLabel = "FILE", description = "Also write the CSV (with header) to this file.")
        Path csv;

        @Option(names = "--sgemm-size", paramLabel = "N", defaultValue = "2048",
                description = "Size of the sgemm ceiling's square matrices; 0 skips it (default: ${DEFAULT-VALUE}).")
        int sgemmSize;

        @Option(names = "--profile-ops", paramLabel = "N",
                description = "Instead of the CSV: time every op of the steps and print the N costliest op types, "
                        + "with the time spent outside ops.")
        int profileOps;

        @Override
        public Integer call() throws IOException {
            if (selection.replot != null) {
                return replot();
            }
            List<String> names = resolveModels();
            List<BenchMode> modes = parseModes(mode);
            List<Integer> sizes = sizes();
            if (plot != null && scaling == null) {
                throw new IllegalArgumentException("--plot draws a resolution sweep; add --scaling 224,288,...");
            }
            if (profileOps < 0) {
                throw new IllegalArgumentException("--profile-ops must be >= 1, got " + profileOps);
            }
            if (sgemmSize < 0) {
                throw new IllegalArgumentException("--sgemm-size must be >= 0 (0 skips it), got " + sgemmSize);
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Backend backend = Backend.current();
            err.println("# backend: " + backend.describe());
            err.println("# executor: " + System.getProperty(CompiledGraph.EXECUTOR_PROPERTY, "plan")
                    + " (-D" + CompiledGraph.EXECUTOR_PROPERTY + "=samediff|plan)");
            if (profileOps > 0) {
                for (String name : names) {
                    for (int size : sizes) {
                        for (BenchMode m : modes) {
                            OpProfile.run(name, m, size, batchSize, warmup, steps, profileOps, out);
                        }
                    }
                }
                return 0;
            }
            double ceiling = 0;
            if (sgemmSize > 0) {
                SgemmCeiling c = SgemmCeiling.measure(sgemmSize, 5);
                ceiling = c.bestGflops();
                err.printf(Locale.ROOT, "# sgemm %dx%d (Nd4j.gemm, %d OMP threads): best %.1f GFLOP/s, median %.1f"
                        + " GFLOP/s over 5 runs%n", c.n(), c.n(), backend.ompThreads(), c.bestGflops(),
                        c.medianGflops());
            }
            ModelBench bench = new ModelBench(warmup, steps, ceiling, note -> {
                err.println("# " + note);
                err.flush();
            });
            out.println(BenchResult.CSV_HEADER);
            out.flush();
            List<BenchResult> rows = new ArrayList<>();
            for (String name : names) {
                for (int size : sizes) {
                    for (BenchMode m : modes) {
                        BenchResult r = bench.run(name, m, size, batchSize);
                        rows.add(r);
                        out.println(r.csvRow());
                        out.flush();
                        if (r.retriedFrom() > 0) {
                            err.printf("# %s %s: ran with batch %d instead of %d (out of memory)%n", r.model(),
                                    m.label(), r.batchSize(), r.retriedFrom());
                        }
                    }
                }
            }
            if (ceiling > 0) {
                for (BenchResult r : rows) {
                    err.printf(Locale.ROOT, "# %s %s %dpx: %.2f GFLOP/s = %.1f%% of sgemm%n", r.model(),
                            r.mode().label(), r.imgSize(), r.gflopsPerSec(), 100 * r.sgemmFraction());
                }
            }
            if (csv != null) {
                writeCsv(csv, rows);
                err.println("# wrote " + csv);
            }
            if (plot != null) {
                ScalingPlot.write(rows, plot);
                err.println("# wrote " + plot);
            }
            return 0;
        }

        private int replot() throws IOException {
            if (plot == null) {
                throw new IllegalArgumentException("--replot needs --plot FILE.png");
            }
            List<BenchResult> rows = new ArrayList<>();
            for (Path f : selection.replot) {
                if (!Files.isRegularFile(f)) {
                    throw new IllegalArgumentException("--replot: no such file " + f);
                }
                for (String line : Files.readAllLines(f)) {
                    if (!line.isBlank() && !line.startsWith("model,") && !line.startsWith("#")) {
                        rows.add(BenchResult.parse(line.strip()));
                    }
                }
            }
            if (rows.isEmpty()) {
                throw new IllegalArgumentException("--replot: no rows in " + selection.replot);
            }
            ScalingPlot.write(rows, plot);
            spec.commandLine().getErr().println("# wrote " + plot);
            return 0;
        }

        private List<String> resolveModels() {
            if (selection.model != null) {
                TokenMix.variant(selection.model); // unknown name: UnknownModelException, exit 2
                return List.of(selection.model);
            }
            Set<String> names = new LinkedHashSet<>();
            for (String p : selection.models.split(",")) {
                String pattern = p.strip();
                if (pattern.isEmpty()) {
                    continue;
                }
                List<String> found = TokenMix.listModels(pattern);
                if (found.isEmpty()) {
                    throw new ParameterException(spec.commandLine(), "--models: '" + pattern
                            + "' matches no registered model; see 'tokenmix models'");
                }
                names.addAll(found);
            }
            if (names.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "--models is empty; give names or wildcards, e.g. 'glnet_*'");
            }
            return new ArrayList<>(names);
        }

        private static List<BenchMode> parseModes(String m) {
            return switch (m.toLowerCase(Locale.ROOT)) {
                case "infer" -> List.of(BenchMode.INFER);
                case "train" -> List.of(BenchMode.TRAIN);
                case "both" -> List.of(BenchMode.INFER, BenchMode.TRAIN);
                default -> throw new IllegalArgumentException("--mode must be infer, train or both, got '" + m + "'");
            };
        }

        /** The resolutions to run; 0 stands for each model's default. */
        private List<Integer> sizes() {
            if (scaling != null && imgSize != null) {
                throw new IllegalArgumentException("give either --img-size or --scaling, not both");
            }
            List<Integer> s = scaling != null ? scaling : List.of(imgSize == null ? 0 : imgSize);
            boolean given = scaling != null || imgSize != null;
            for (int r : s) {
                if (given && r <= 0) {
                    throw new IllegalArgumentException("input resolutions must be positive, got " + r);
                }
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
            }
            if (warmup < 0 || steps < 1) {
                throw new IllegalArgumentException("--warmup must be >= 0 and --steps >= 1, got warmup=" + warmup
                        + ", steps=" + steps);
            }
            return s;
        }

        private static void writeCsv(Path file, List<BenchResult> rows) {
            List<String> lines = new ArrayList<>();
            lines.add(BenchResult.CSV_HEADER);
            for (BenchResult r : rows) {
                lines.add(r.csvRow());
            }
            try {
                Path parent = file.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                Files.write(file, lines);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
            }
        }
    }
}
