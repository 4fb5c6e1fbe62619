package dev.tokenmix.train.loop;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The settings of a training run, under timm's {@code train.py} names: each is a command-line flag
 * ({@code --weight-decay}) and a key of the {@code --config} YAML and of the run's {@code args.yaml}
 * ({@code weight_decay}). Defaults suit the small models and datasets here; the papers' recipes are YAML files
 * under {@code configs/}.
 */
public final class TrainArgs {
    // ------------------------------------------------------------------ model and data
    @Option(names = "--model", paramLabel = "NAME", description = "Registered model name (see 'tokenmix models').")
    public String model;

    @Option(names = "--data", paramLabel = "DIR",
            description = "ImageFolder root with train/ and val/ (or validation/) class folders.")
    public String data;

    @Option(names = "--dataset", paramLabel = "NAME",
            description = "Built-in dataset instead of --data: synthetic-shapes, or cifar10 (CIFAR-10 binary files "
                    + "in --data).")
    public String dataset;

    @Option(names = "--img-size", paramLabel = "S", description = "Input resolution. Default: the model's.")
    public Integer imgSize;

    @Option(names = "--num-classes", paramLabel = "K", description = "Classes. Default: the dataset's.")
    public Integer numClasses;

    @Option(names = "--epochs", paramLabel = "E", description = "Epochs to train. Default: ${DEFAULT-VALUE}.")
    public int epochs = 10;

    @Option(names = {"-b", "--batch-size"}, paramLabel = "B", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    public int batchSize = 32;

    @Option(names = "--workers", paramLabel = "N", description = "Image decoding threads. Default: ${DEFAULT-VALUE}.")
    public int workers = 2;

    @Option(names = "--synth-per-class", paramLabel = "K",
            description = "synthetic-shapes: training images per class (validation gets a fifth). "
                    + "Default: ${DEFAULT-VALUE}.")
    public int synthPerClass = 200;

    @Option(names = "--synth-classes", paramLabel = "N",
            description = "synthetic-shapes: classes. Default: ${DEFAULT-VALUE}.")
    public int synthClasses = 5;

    // ------------------------------------------------------------------ optimisation
    @Option(names = "--opt", paramLabel = "NAME",
            description = "adamw, sgd (Nesterov, as timm), momentum (SGD without Nesterov). Default: ${DEFAULT-VALUE}.")
    public String opt = "adamw";

    @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate. Default: ${DEFAULT-VALUE}.")
    public double lr = 1e-3;

    @Option(names = "--weight-decay", paramLabel = "WD", description = "Weight decay. Default: ${DEFAULT-VALUE}.")
    public double weightDecay = 0.05;

    @Option(names = "--momentum", paramLabel = "M", description = "SGD momentum. Default: ${DEFAULT-VALUE}.")
    public double momentum = 0.9;

    @Option(names = "--opt-eps", paramLabel = "EPS", description = "AdamW epsilon. Default: ${DEFAULT-VALUE}.")
    public double optEps = 1e-8;

    @Option(names = "--opt-betas", paramLabel = "B1,B2", split = ",",
            description = "AdamW betas. Default: 0.9,0.999.")
    public double[] optBetas = {0.9, 0.999};

    @Option(names = "--sched", paramLabel = "NAME", description = "cosine or none. Default: ${DEFAULT-VALUE}.")
    public String sched = "cosine";

    @Option(names = "--warmup-epochs", paramLabel = "E", description = "Linear warm-up epochs. Default: ${DEFAULT-VALUE}.")
    public double warmupEpochs = 1;

    @Option(names = "--warmup-lr", paramLabel = "LR", description = "Learning rate at the first update. "
            + "Default: ${DEFAULT-VALUE}.")
    public double warmupLr = 1e-5;

    @Option(names = "--min-lr", paramLabel = "LR", description = "Floor of the cosine. Default: ${DEFAULT-VALUE}.")
    public double minLr = 1e-5;

    @Option(names = "--clip-grad", paramLabel = "NORM", description = "Clip gradients to this global norm. Default: off.")
    public Double clipGrad;

    @Option(names = "--grad-accum-steps", paramLabel = "N",
            description = "Batches whose gradients are averaged per update. Default: ${DEFAULT-VALUE}.")
    public int gradAccumSteps = 1;

    @Option(names = "--drop-path", paramLabel = "P", description = "Stochastic depth rate. Default: ${DEFAULT-VALUE}.")
    public double dropPath = 0.0;

    @Option(names = "--drop", paramLabel = "P", description = "Dropout rate. Default: ${DEFAULT-VALUE}.")
    public double drop = 0.0;

    @Option(names = "--model-ema", description = "Keep and evaluate an EMA of the weights.")
    public boolean modelEma;

    @Option(names = "--model-ema-decay", paramLabel = "D", description = "EMA decay. Default: ${DEFAULT-VALUE}.")
    public double modelEmaDecay = 0.9998;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of weights, data order, augmentation and masks. "
            + "Default: ${DEFAULT-VALUE}.")
    public long seed = 42;

    @Option(names = "--amp", description = "Mixed precision: not supported (ND4J CPU trains in float32).")
    public boolean amp;

    // ------------------------------------------------------------------ augmentation and targets
    @Option(names = "--smoothing", paramLabel = "S", description = "Label smoothing. Default: ${DEFAULT-VALUE}.")
    public double smoothing = 0.1;

    @Option(names = "--mixup", paramLabel = "ALPHA", description = "Mixup alpha; 0 is off. Default: ${DEFAULT-VALUE}.")
    public double mixup = 0.0;

    @Option(names = "--cutmix", paramLabel = "ALPHA", description = "CutMix alpha; 0 is off. Default: ${DEFAULT-VALUE}.")
    public double cutmix = 0.0;

    @Option(names = "--aa", paramLabel = "POLICY", description = "RandAugment policy, e.g. rand-m9-mstd0.5. Default: off.")
    public String aa;

    @Option(names = "--reprob", paramLabel = "P", description = "Random erasing probability. Default: ${DEFAULT-VALUE}.")
    public double reprob = 0.0;

    @Option(names = "--scale", paramLabel = "MIN,MAX", split = ",",
            description = "Random resized crop area range. Default: 0.08,1.0.")
    public double[] scale = {0.08, 1.0};

    @Option(names = "--color-jitter", paramLabel = "S",
            description = "Colour jitter strength (without --aa). Default: ${DEFAULT-VALUE}.")
    public double colorJitter = 0.4;

    @Option(names = "--hflip", paramLabel = "P", description = "Horizontal flip probability. Default: ${DEFAULT-VALUE}.")
    public double hflip = 0.5;

    // ------------------------------------------------------------------ output
    @Option(names = "--output", paramLabel = "DIR", description = "Run folder. Default: output/train/DATE-MODEL-SIZE.")
    public String output;

    @Option(names = "--log-interval", paramLabel = "N", description = "Updates between log lines. "
            + "Default: ${DEFAULT-VALUE}.")
    public int logInterval = 20;

    /** The run folder, or null for the default name. */
    @JsonIgnore
    public Path outputPath() {
        return output == null ? null : Path.of(output);
    }

    /** Checks value ranges; an IllegalArgumentException names the offending flag. */
    public void validate() {
        if (amp) {
            throw new IllegalArgumentException("--amp is not supported: ND4J on the CPU trains in float32; drop --amp");
        }
        check(epochs >= 1, "--epochs must be at least 1, got " + epochs);
        check(batchSize >= 1, "--batch-size must be at least 1, got " + batchSize);
        check(workers >= 1, "--workers must be at least 1, got " + workers);
        check(gradAccumSteps >= 1, "--grad-accum-steps must be at least 1, got " + gradAccumSteps);
        check(lr >= 0 && minLr >= 0 && warmupLr >= 0, "--lr, --min-lr and --warmup-lr must be >= 0");
        check(weightDecay >= 0, "--weight-decay must be >= 0, got " + weightDecay);
        check(warmupEpochs >= 0, "--warmup-epochs must be >= 0, got " + warmupEpochs);
        check(clipGrad == null || clipGrad > 0, "--clip-grad must be > 0, got " + clipGrad);
        check(smoothing >= 0 && smoothing < 1, "--smoothing must be in [0, 1), got " + smoothing);
        check(dropPath >= 0 && dropPath < 1, "--drop-path must be in [0, 1), got " + dropPath);
        check(drop >= 0 && drop < 1, "--drop must be in [0, 1), got " + drop);
        check(modelEmaDecay >= 0 && modelEmaDecay < 1, "--model-ema-decay must be in [0, 1), got " + modelEmaDecay);
        check(optBetas != null && optBetas.length == 2, "--opt-betas takes two values, e.g. 0.9,0.999");
        check(scale != null && scale.length == 2 && scale[0] > 0 && scale[0] <= scale[1] && scale[1] <= 1,
                "--scale takes MIN,MAX with 0 < MIN <= MAX <= 1, e.g. 0.08,1.0");
        check(logInterval >= 1, "--log-interval must be at least 1, got " + logInterval);
        check(java.util.List.of("adamw", "sgd", "momentum", "nesterov").contains(opt),
                "--opt must be adamw, sgd, momentum or nesterov, got '" + opt + "'");
        check(java.util.List.of("cosine", "none").contains(sched), "--sched must be cosine or none, got '" + sched + "'");
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
