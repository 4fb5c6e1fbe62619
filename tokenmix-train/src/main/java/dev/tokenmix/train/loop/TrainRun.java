package dev.tokenmix.train.loop;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.TokenMix;
import dev.tokenmix.train.checkpoint.AtomicFiles;
import dev.tokenmix.train.checkpoint.TrainCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training run from its settings, as timm's {@code train.py} main: creates the model for the data, opens the
 * loaders, writes {@code args.yaml}, trains with a {@link Trainer} and draws {@code curves.png}. The entry point of
 * the {@code train} and {@code demo} commands.
 *
 * <p>Run folder: {@code args.yaml}, {@code summary.csv}, {@code last.safetensors} (resume checkpoint),
 * {@code best/} (the best weights by eval top-1, a saved model that {@code predict}, {@code validate} and
 * {@code TokenMix.load} read) and {@code curves.png}.
 */
public final class TrainRun {
    /** File name of the settings in a run folder. */
    public static final String ARGS = "args.yaml";
    /** File name of the curves in a run folder. */
    public static final String CURVES = "curves.png";
    private static final Logger LOG = LoggerFactory.getLogger(TrainRun.class);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER))
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private TrainRun() {
    }

    /**
     * A finished run.
     *
     * @param runDir its folder
     * @param model the trained model (its last weights)
     * @param result the epochs' rows and the best accuracy
     */
    public record Outcome(Path runDir, Model model, Trainer.Result result) {
    }

    /**
     * Trains with {@code args}, or continues the run of {@code resume} (a run folder or its checkpoint; null to
     * start afresh) whose settings {@code args} must then be (see {@link #readArgs}).
     */
    public static Outcome run(TrainArgs args, Path resume) {
        args.validate();
        Path checkpoint = resume == null ? null : TrainCheckpoint.resolve(resume);
        Path runDir = checkpoint != null ? checkpoint.toAbsolutePath().getParent()
                : args.output != null ? Path.of(args.output) : defaultRunDir(args);
        int imgSize = args.imgSize != null ? args.imgSize : TokenMix.variant(args.model).input().size();
        try (RunData data = RunData.open(args, TokenMix.variant(args.model).input(), imgSize)) {
            int classes = args.numClasses != null ? args.numClasses : data.train().numClasses();
            Model model = create(args, classes, imgSize);
            checkImageSize(model, imgSize);
            if (checkpoint == null && Files.exists(runDir.resolve(TrainCheckpoint.FILE))) {
                throw new IllegalArgumentException(runDir + " already holds a run; continue it with --resume " + runDir
                        + " or choose another --output");
            }
            writeArgs(runDir.resolve(ARGS), args);
            LOG.info("training {} ({} parameters) at {}x{} on {} images, {} classes; run folder {}", model.name(),
                    model.parameterCount(), imgSize, imgSize, data.train().dataset().size(), classes, runDir);
            Trainer trainer = new Trainer(model, () -> create(args, classes, imgSize),
                    BatchSource.of(data.train()), BatchSource.of(data.eval()), args, runDir);
            Trainer.Result r = trainer.run(checkpoint);
            Curves.write(runDir.resolve(CURVES), r.rows());
            LOG.info(String.format(java.util.Locale.ROOT, "done: best eval top-1 %.2f%% at epoch %d; weights in %s",
                    r.bestTop1(), r.bestEpoch(), runDir.resolve("best")));
            return new Outcome(runDir, model, r);
        }
    }

    /** The model of a run: the variant at {@code imgSize} with {@code classes} outputs, the run's drop rates and seed. */
    public static Model create(TrainArgs args, int classes, int imgSize) {
        return TokenMix.createModel(args.model, ModelOptions.builder().numClasses(classes).imgSize(imgSize)
                .dropRate(args.drop).dropPathRate(args.dropPath).seed(args.seed).build());
    }

    /** Fails with the shape problem now, not after the data is loaded: builds the model's graph once. */
    private static void checkImageSize(Model model, int imgSize) {
        try {
            model.summary(imgSize, imgSize);
        } catch (dev.tokenmix.core.engine.ShapeMismatchException e) {
            throw new IllegalArgumentException(model.name() + " cannot take " + imgSize + "x" + imgSize
                    + " images (" + e.getMessage() + "); choose another --img-size, e.g. its default "
                    + model.variant().input().size());
        }
    }

    /** {@code output/train/DATE-TIME-MODEL-SIZE}, timm's naming. */
    static Path defaultRunDir(TrainArgs args) {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return Path.of("output", "train", stamp + "-" + args.model + "-"
                + (args.imgSize == null ? TokenMix.variant(args.model).input().size() : args.imgSize));
    }

    /** Writes {@code args} as YAML (snake_case keys, the config format), atomically. */
    public static void writeArgs(Path file, TrainArgs args) {
        try {
            AtomicFiles.writeString(file, YAML.writeValueAsString(args));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the settings: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a {@code --config} YAML or a run's {@code args.yaml}: keys are the flag names in snake_case
     * ({@code weight_decay} for {@code --weight-decay}); unknown keys are refused.
     */
    public static TrainArgs readArgs(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("config " + file + " does not exist; check the path");
        }
        try {
            TrainArgs a = YAML.readValue(file.toFile(), TrainArgs.class);
            if (a == null) {
                throw new IllegalArgumentException("config " + file + " is empty; write settings such as 'lr: 0.001'");
            }
            return a;
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException("config " + file + ": unknown key '" + e.getPropertyName()
                    + "'; keys are the flag names in snake_case (e.g. weight_decay)");
        } catch (IOException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new IllegalArgumentException("config " + file + " is not a readable YAML of settings: " + m);
        }
    }
}
