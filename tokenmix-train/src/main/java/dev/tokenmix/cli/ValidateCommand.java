package dev.tokenmix.cli;

import dev.tokenmix.core.io.Safetensors;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.TokenMix;
import dev.tokenmix.models.weights.ModelFiles;
import dev.tokenmix.train.data.DataLoader;
import dev.tokenmix.train.data.ImageDataset;
import dev.tokenmix.train.data.SampleTransform;
import dev.tokenmix.train.data.Split;
import dev.tokenmix.train.loop.Evaluator;
import dev.tokenmix.train.loop.RunData;
import dev.tokenmix.train.loop.TrainArgs;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code tokenmix validate}: timm's {@code validate.py}. Evaluates weights on the val split of a folder (or a
 * built-in dataset) with the variant's eval transform and prints timm's results CSV.
 */
@Command(name = "validate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluates a model's weights on a dataset's val split and prints timm's results CSV:",
                "model,top1,top1_err,top5,top5_err,param_count,img_size,crop_pct,interpolation"},
        footer = {"", "Examples:",
                "  tokenmix validate --model vit_test --weights runs/shapes/best/model.safetensors --data shapes/",
                "  tokenmix validate --model deit_tiny_patch16_224 --weights deit_tiny.pth --data imagenet/"})
final class ValidateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "NAME", description = "Registered model name.")
    String model;

    @Option(names = {"-w", "--weights"}, required = true, paramLabel = "FILE",
            description = "Weights: a model saved by tokenmix (e.g. a run's best/model.safetensors), safetensors or "
                    + "a PyTorch checkpoint.")
    Path weights;

    @Option(names = "--data", paramLabel = "DIR", description = "ImageFolder root (its val/ split) or CIFAR folder.")
    String data;

    @Option(names = "--dataset", paramLabel = "NAME", description = "synthetic-shapes, cifar10, cifar100.")
    String dataset;

    @Option(names = "--img-size", paramLabel = "S", description = "Resolution. Default: the model's.")
    Integer imgSize;

    @Option(names = {"-b", "--batch-size"}, paramLabel = "B", defaultValue = "64",
            description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "2", description = "Decoding threads. Default: 2.")
    int workers;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Seed of a generated dataset (synthetic-shapes). Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--synth-classes", paramLabel = "N", defaultValue = "5",
            description = "synthetic-shapes: classes. Default: ${DEFAULT-VALUE}.")
    int synthClasses;

    @Option(names = "--synth-per-class", paramLabel = "K", defaultValue = "200",
            description = "synthetic-shapes: training images per class (val gets a fifth). Default: ${DEFAULT-VALUE}.")
    int synthPerClass;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(weights)) {
            throw new IllegalArgumentException("--weights " + weights + " does not exist or is not a file");
        }
        TrainArgs a = new TrainArgs();
        a.data = data;
        a.dataset = dataset;
        a.seed = seed;
        a.synthClasses = synthClasses;
        a.synthPerClass = synthPerClass;
        Model saved = savedModel();
        int size = saved != null ? saved.imgSize()
                : imgSize != null ? imgSize : TokenMix.variant(model).input().size();
        ImageDataset val = RunData.dataset(a, Split.VAL, size);
        Model m = saved != null ? saved : byName(val.numClasses(), size);
        if (m.numClasses() != val.numClasses()) {
            throw new IllegalArgumentException(weights + " has " + m.numClasses() + " classes but the data has "
                    + val.numClasses() + "; validate on the dataset the weights were trained for");
        }
        try (DataLoader loader = DataLoader.builder().dataset(val).transform(SampleTransform.eval(m.inputConfig(), size))
                .batchSize(batchSize).workers(workers).build()) {
            Evaluator.Metrics r = Evaluator.evaluate(m, loader.epoch(0));
            PrintWriter out = spec.commandLine().getOut();
            out.println("model,top1,top1_err,top5,top5_err,param_count,img_size,crop_pct,interpolation");
            out.println(String.format(Locale.ROOT, "%s,%.3f,%.3f,%.3f,%.3f,%.2f,%d,%.3f,%s", m.name(), r.top1(),
                    100 - r.top1(), r.top5(), 100 - r.top5(), m.parameterCount() / 1e6, size,
                    m.inputConfig().cropPct(), m.inputConfig().interpolation()));
            out.flush();
        }
        return TokenMixCli.OK;
    }

    /** The model of a file saved by tokenmix (its own classes and resolution), or null for other checkpoints. */
    private Model savedModel() {
        boolean saved;
        try (var f = Safetensors.open(weights)) {
            saved = f.metadata().containsKey("tokenmix.config");
        } catch (RuntimeException | IOException notSafetensors) {
            saved = false;
        }
        if (!saved || imgSize != null) {
            return null;
        }
        Model m = ModelFiles.load(weights);
        if (!m.name().equals(model)) {
            throw new IllegalArgumentException(weights + " holds " + m.name() + " weights, not " + model);
        }
        return m;
    }

    /** The registered model sized for the data, with the checkpoint's weights loaded strictly. */
    private Model byName(int dataClasses, int size) {
        Model m = TokenMix.createModel(model, ModelOptions.builder().numClasses(dataClasses).imgSize(size).build());
        ModelFiles.loadWeights(m, weights, true, m.prefersEmaWeights());
        return m;
    }
}
