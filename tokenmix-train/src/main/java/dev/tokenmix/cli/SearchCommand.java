package dev.tokenmix.cli;

import dev.tokenmix.models.TokenMix;
import dev.tokenmix.models.Variant;
import dev.tokenmix.models.psvit.PsvitConfig;
import dev.tokenmix.train.data.Split;
import dev.tokenmix.train.loop.RunData;
import dev.tokenmix.train.loop.TrainArgs;
import dev.tokenmix.train.search.ParetoFront;
import dev.tokenmix.train.search.PsvitSearch;
import dev.tokenmix.train.search.PsvitSearchSpace;
import dev.tokenmix.train.search.SearchCsv;
import dev.tokenmix.train.search.SearchResult;
import dev.tokenmix.train.search.TrainingEvaluator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenmix search}: architecture searches; today PSViT's pooling/sharing search. */
@Command(name = "search", mixinStandardHelpOptions = true, subcommands = SearchCommand.Psvit.class,
        description = "Searches a family's configuration space on a proxy dataset.")
final class SearchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return TokenMixCli.OK;
    }

    /**
     * {@code tokenmix search psvit}: PSViT's compact set of pooling positions and attention-sharing groups
     * (arXiv 2108.03428), each candidate trained briefly on a proxy dataset; accuracy against MACs as a CSV and a
     * PNG with the Pareto front. Resumable: candidates already in the CSV are skipped.
     */
    @Command(name = "psvit", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Trains each PSViT pooling/sharing candidate briefly on a proxy dataset and writes accuracy "
                    + "vs MACs (CSV) and the Pareto front (PNG).",
                    "Run it again with the same --output to resume: candidates already in the CSV are skipped."},
            footer = {"", "Examples:",
                    "  tokenmix search psvit --budget 6 --epochs 3 --output runs/psvit-search",
                    "  tokenmix search psvit --data shapes/ --img-size 64 --seed 1"})
    static final class Psvit implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--base", paramLabel = "NAME",
                description = "PSViT variant whose widths and depth the candidates share. Default: ${DEFAULT-VALUE}.")
        String base = "psvit_tiny";

        @Option(names = "--img-size", paramLabel = "S", description = "Proxy resolution. Default: ${DEFAULT-VALUE}.")
        int imgSize = 32;

        @Option(names = "--dataset", paramLabel = "NAME",
                description = "Built-in proxy dataset (synthetic-shapes or cifar10). Default: synthetic-shapes "
                        + "unless --data is given.")
        String dataset;

        @Option(names = "--data", paramLabel = "DIR", description = "ImageFolder root with train/ and val/.")
        String data;

        @Option(names = "--synth-classes", paramLabel = "N", description = "synthetic-shapes classes. "
                + "Default: ${DEFAULT-VALUE}.")
        int synthClasses = 5;

        @Option(names = "--synth-per-class", paramLabel = "K", description = "synthetic-shapes training images per "
                + "class. Default: ${DEFAULT-VALUE}.")
        int synthPerClass = 100;

        @Option(names = "--epochs", paramLabel = "E", description = "Training epochs per candidate. "
                + "Default: ${DEFAULT-VALUE}.")
        int epochs = 3;

        @Option(names = {"-b", "--batch-size"}, paramLabel = "B", description = "Batch size. Default: ${DEFAULT-VALUE}.")
        int batchSize = 32;

        @Option(names = "--lr", paramLabel = "LR", description = "Peak AdamW learning rate. Default: ${DEFAULT-VALUE}.")
        double lr = 1e-3;

        @Option(names = "--budget", paramLabel = "N",
                description = "Candidates to train in this run (the rest wait for a resumed run). Default: all.")
        Integer budget;

        @Option(names = "--seed", paramLabel = "N",
                description = "Seed of the candidates' weights and data, and of the order they are tried in. "
                        + "Default: ${DEFAULT-VALUE}.")
        long seed = 0;

        @Option(names = "--first-pools", paramLabel = "I,..", split = ",",
                description = "Blocks the first pooling may precede. Default: 1,2,3.")
        int[] firstPools = {1, 2, 3};

        @Option(names = "--gaps", paramLabel = "G,..", split = ",",
                description = "Blocks between the two poolings. Default: 4,6,8.")
        int[] gaps = {4, 6, 8};

        @Option(names = "--groups", paramLabel = "G,..", split = ",",
                description = "Sharing group sizes (1: no sharing). Default: 1,2,3.")
        int[] groups = {1, 2, 3};

        @Option(names = "--output", paramLabel = "DIR",
                description = "Folder of psvit_search.csv, psvit_search.png and the candidates' runs/. "
                        + "Default: ${DEFAULT-VALUE}.")
        Path output = Path.of("output", "search", "psvit");

        @Override
        public Integer call() throws Exception {
            Variant v = TokenMix.variant(base);
            if (!(v.config() instanceof PsvitConfig cfg)) {
                throw new IllegalArgumentException("--base " + base + " is not a PSViT variant; use one of "
                        + TokenMix.listModels("psvit_*"));
            }
            if (budget != null && budget < 0) {
                throw new IllegalArgumentException("--budget must be >= 0 candidates, got " + budget);
            }
            PsvitConfig baseCfg = cfg.withImgSize(imgSize);
            PsvitSearchSpace space = new PsvitSearchSpace(firstPools, gaps, groups);
            int total = space.candidates(baseCfg).size();
            Supplier<TrainArgs> settings = this::trainArgs;
            int classes = RunData.dataset(trainArgs(), Split.TRAIN, imgSize).numClasses();
            PsvitSearch search = new PsvitSearch(baseCfg, space,
                    new TrainingEvaluator(settings, output.resolve("runs")), classes);
            SearchCsv csv = new SearchCsv(output.resolve("psvit_search.csv"));
            Path png = output.resolve("psvit_search.png");
            PsvitSearch.Outcome o = search.run(csv, png, budget == null ? total : budget, seed);
            PrintWriter out = spec.commandLine().getOut();
            out.printf(Locale.ROOT, "%d of %d candidates evaluated (%d in this run); Pareto front:%n", o.all().size(),
                    total, o.added().size());
            for (SearchResult r : ParetoFront.of(o.all())) {
                out.printf(Locale.ROOT, "  %-18s %-20s %,12d params %8.4f GMACs %6.2f%%%n", r.name(), r.layout(),
                        r.params(), r.macs() / 1e9, 100 * r.accuracy());
            }
            out.printf("results %s, chart %s%n", csv.file(), o.all().isEmpty() ? "(none yet)" : png);
            out.flush();
            return TokenMixCli.OK;
        }

        private TrainArgs trainArgs() {
            TrainArgs a = new TrainArgs();
            a.data = data;
            a.dataset = dataset != null ? dataset : data == null ? "synthetic-shapes" : null;
            a.imgSize = imgSize;
            a.synthClasses = synthClasses;
            a.synthPerClass = synthPerClass;
            a.epochs = epochs;
            a.batchSize = batchSize;
            a.lr = lr;
            a.seed = seed;
            a.workers = 1;
            a.logInterval = 1_000_000;
            a.validate();
            return a;
        }
    }
}
