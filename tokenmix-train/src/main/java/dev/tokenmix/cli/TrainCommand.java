package dev.tokenmix.cli;

import dev.tokenmix.train.loop.TrainArgs;
import dev.tokenmix.train.loop.TrainRun;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmix train}: timm's {@code train.py} with its flag names. Settings come from the defaults, then a
 * {@code --config} YAML (or, with {@code --resume}, the run's own {@code args.yaml}), then the flags given.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a model on an image folder, CIFAR-10 or synthetic shapes (timm's train.py flags).",
                "The run folder gets args.yaml, summary.csv, last.safetensors (resume checkpoint, every epoch), best/ "
                        + "(best weights by eval top-1) and curves.png."},
        footer = {"", "Examples:",
                "  tokenmix train --model vit_test --dataset synthetic-shapes --epochs 10 --output runs/shapes",
                "  tokenmix train --model pacavit_tiny_p2cconv_100_0 --data imagenet/ --config configs/pacavit.yaml",
                "  tokenmix train --resume runs/shapes"})
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TrainArgs flags = new TrainArgs();

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML of settings (keys: the flag names in snake_case); flags given override it.")
    Path config;

    @Option(names = "--resume", paramLabel = "PATH",
            description = "Continue the run in this folder (or from this last.safetensors) with its args.yaml.")
    Path resume;

    @Override
    public Integer call() {
        TrainArgs args = effectiveArgs(spec.commandLine().getParseResult(), flags, config, resume);
        if (args.model == null) {
            throw new IllegalArgumentException("give --model NAME (see 'tokenmix models')");
        }
        TrainRun.Outcome o = TrainRun.run(args, resume);
        spec.commandLine().getOut().printf(java.util.Locale.ROOT, "best eval top-1 %.2f%% (epoch %d); run folder %s%n",
                o.result().bestTop1(), o.result().bestEpoch(), o.runDir());
        spec.commandLine().getOut().flush();
        return TokenMixCli.OK;
    }

    /** Defaults, then the config (or the resumed run's args.yaml), then the flags given on the command line. */
    static TrainArgs effectiveArgs(ParseResult parsed, TrainArgs flags, Path config, Path resume) {
        TrainArgs base;
        if (resume != null) {
            if (!Files.exists(resume)) {
                throw new IllegalArgumentException("--resume " + resume + " does not exist; give a run folder");
            }
            Path dir = Files.isDirectory(resume) ? resume : resume.toAbsolutePath().getParent();
            Path saved = dir.resolve(TrainRun.ARGS);
            base = Files.isRegularFile(saved) ? TrainRun.readArgs(saved)
                    : config != null ? TrainRun.readArgs(config) : new TrainArgs();
        } else {
            base = config != null ? TrainRun.readArgs(config) : new TrainArgs();
        }
        for (Field f : TrainArgs.class.getFields()) {
            Option o = f.getAnnotation(Option.class);
            if (o == null) {
                continue;
            }
            boolean given = false;
            for (String n : o.names()) {
                given |= parsed.hasMatchedOption(n);
            }
            if (given) {
                try {
                    f.set(base, f.get(flags));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return base;
    }
}
