package dev.tokenmix.train.search;

import dev.tokenmix.models.InputConfig;
import dev.tokenmix.models.Model;
import dev.tokenmix.train.loop.BatchSource;
import dev.tokenmix.train.loop.RunData;
import dev.tokenmix.train.loop.TrainArgs;
import dev.tokenmix.train.loop.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Scores a PSViT search candidate by training it briefly with the training loop ({@link Trainer}) on a proxy
 * dataset (synthetic shapes, CIFAR-10 or an ImageFolder, as {@link TrainArgs} names it) and returning its best
 * validation top-1. Each candidate trains from the same seed in its own run folder under {@code runsDir}
 * ({@code summary.csv}, {@code best/}); a folder left by an interrupted candidate is replaced.
 */
public final class TrainingEvaluator implements CandidateEvaluator {
    private final Supplier<TrainArgs> settings;
    private final Path runsDir;

    /**
     * @param settings fresh training settings per candidate (dataset, epochs, batch size, optimiser; the model,
     *     seed and output fields are set here)
     * @param runsDir parent of the candidates' run folders
     */
    public TrainingEvaluator(Supplier<TrainArgs> settings, Path runsDir) {
        this.settings = settings;
        this.runsDir = runsDir;
    }

    @Override
    public double evaluate(PsvitCandidate candidate, long seed) {
        TrainArgs args = settings.get();
        args.seed = seed;
        args.modelEma = false;
        Path dir = runsDir.resolve(candidate.name());
        args.output = dir.toString();
        args.validate();
        deleteRecursively(dir);
        int imgSize = candidate.config().imgSize();
        try (RunData data = RunData.open(args, InputConfig.imagenet(imgSize), imgSize)) {
            Model model = PsvitSearch.model(candidate.config(), data.train().numClasses(), seed);
            Trainer trainer = new Trainer(model, null, BatchSource.of(data.train()), BatchSource.of(data.eval()), args,
                    dir);
            return Math.max(0, trainer.run(null).bestTop1()) / 100.0;
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear the unfinished candidate run " + dir, e);
        }
    }
}
