package dev.tokenmix.cli;

import dev.tokenmix.models.InputConfig;
import dev.tokenmix.train.data.Batch;
import dev.tokenmix.train.data.DataLoader;
import dev.tokenmix.train.data.Datasets;
import dev.tokenmix.train.data.ImageDataset;
import dev.tokenmix.train.data.ImageFolderWriter;
import dev.tokenmix.train.data.Split;
import dev.tokenmix.train.data.SyntheticShapes;
import dev.tokenmix.train.data.augment.Mixup;
import dev.tokenmix.train.data.augment.RandomErasing;
import dev.tokenmix.train.data.augment.TrainTransform;
import java.awt.image.BufferedImage;
import javax.imageio.ImageIO;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tokenmix data}: tools for training data (generate synthetic shapes, inspect a dataset). */
@Command(name = "data", mixinStandardHelpOptions = true,
        subcommands = {DataCommand.Synth.class, DataCommand.Info.class, DataCommand.Preview.class},
        description = "Training data: generate the synthetic-shapes dataset, inspect a dataset, preview augmentations.")
final class DataCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand; one of: "
                + String.join(", ", spec.commandLine().getSubcommands().keySet()));
    }

    /** {@code tokenmix data synth}: writes synthetic shapes as an ImageFolder with train/ and val/. */
    @Command(name = "synth", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Writes the synthetic-shapes dataset as an ImageFolder (OUT/train/CLASS/*.png, "
                    + "OUT/val/CLASS/*.png): one shape per image, random colour, size, position and rotation on a "
                    + "noisy gradient; the class is the shape kind (kind x colour above 8 classes). The same seed "
                    + "gives the same images."},
            footer = {"", "Example:", "  tokenmix data synth --out shapes --classes 5 --per-class 200 --img-size 32",
                "  tokenmix train --model vit_test --data shapes"})
    static final class Synth implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (new or empty).")
        Path out;

        @Option(names = "--classes", paramLabel = "N", defaultValue = "5",
                description = "Classes, 2 to " + SyntheticShapes.MAX_CLASSES + ". Default: ${DEFAULT-VALUE}.")
        int classes;

        @Option(names = "--per-class", paramLabel = "K", defaultValue = "200",
                description = "Training images per class. Default: ${DEFAULT-VALUE}.")
        int perClass;

        @Option(names = "--val-per-class", paramLabel = "K",
                description = "Validation images per class. Default: a quarter of --per-class (at least 1).")
        Integer valPerClass;

        @Option(names = "--img-size", paramLabel = "S", defaultValue = "32",
                description = "Image side in pixels, 8 to 1024. Default: ${DEFAULT-VALUE}.")
        int imgSize;

        @Option(names = "--seed", defaultValue = "0", description = "Seed of every pixel. Default: ${DEFAULT-VALUE}.")
        long seed;

        @Option(names = "--format", defaultValue = "png", paramLabel = "png|jpg",
                description = "Image file format. Default: ${DEFAULT-VALUE}.")
        String format;

        @Override
        public Integer call() throws IOException {
            int val = valPerClass != null ? valPerClass : Math.max(1, perClass / 4);
            if (val < 1) {
                throw new IllegalArgumentException("--val-per-class must be at least 1, got " + val);
            }
            if (!format.matches("(?i)png|jpe?g")) {
                throw new IllegalArgumentException("--format must be png or jpg, got '" + format + "'");
            }
            SyntheticShapes train = SyntheticShapes.builder().classes(classes).perClass(perClass).imageSize(imgSize)
                    .seed(seed).split(Split.TRAIN).build();
            SyntheticShapes valSet = SyntheticShapes.builder().classes(classes).perClass(val).imageSize(imgSize)
                    .seed(seed).split(Split.VAL).build();
            if (Files.exists(out) && !Files.isDirectory(out)) {
                throw new IllegalArgumentException("--out " + out + " is a file; give a new or empty folder");
            }
            if (Files.isDirectory(out)) {
                try (Stream<Path> s = Files.list(out)) {
                    if (s.findAny().isPresent()) {
                        throw new IllegalArgumentException("--out " + out + " is not empty; give a new or empty folder");
                    }
                }
            }
            int n = ImageFolderWriter.write(train, out.resolve("train"), format);
            int m = ImageFolderWriter.write(valSet, out.resolve("val"), format);
            PrintWriter pw = spec.commandLine().getOut();
            pw.printf("wrote %d train and %d val images (%dx%d, %d classes: %s) to %s%n", n, m, imgSize, imgSize,
                    classes, String.join(", ", train.classNames()), out);
            pw.flush();
            return TokenMixCli.OK;
        }
    }

    /** {@code tokenmix data info}: classes and image counts of a dataset's splits. */
    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Prints the classes and the number of images of each split of a dataset.",
            footer = {"", "Examples:", "  tokenmix data info shapes", "  tokenmix data info --dataset cifar10 data/cifar"})
    static final class Info implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dataset", paramLabel = "NAME",
                description = "synthetic-shapes, cifar10 or cifar100; default: an ImageFolder DIR.")
        String dataset;

        @Parameters(paramLabel = "DIR", arity = "0..1", description = "The data folder.")
        Path dir;

        @Override
        public Integer call() {
            PrintWriter pw = spec.commandLine().getOut();
            for (Split split : Split.values()) {
                ImageDataset ds = Datasets.open(dataset, dir, split, 0, 32);
                int[] counts = new int[ds.numClasses()];
                for (int i = 0; i < ds.size(); i++) {
                    counts[ds.label(i)]++;
                }
                pw.printf("%s: %d images, %d classes%n", split.folder(), ds.size(), ds.numClasses());
                if (split == Split.TRAIN) {
                    StringBuilder sb = new StringBuilder();
                    for (int k = 0; k < counts.length; k++) {
                        sb.append(k == 0 ? "  " : ", ").append(ds.classNames().get(k)).append(' ').append(counts[k]);
                    }
                    pw.println(sb);
                }
            }
            pw.flush();
            return TokenMixCli.OK;
        }
    }

    /** {@code tokenmix data preview}: a PNG grid of one augmented training batch. */
    @Command(name = "preview", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Writes a PNG grid of the first training batch after augmentation (and mixup/cutmix), to "
                    + "see what the train transform does. Flags are timm's train.py flags."},
            footer = {"", "Example:",
                "  tokenmix data preview shapes --out preview.png --aa rand-m9-mstd0.5-inc1 --reprob 0.25"})
    static final class Preview implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DIR", arity = "0..1",
                description = "The data folder (not needed for --dataset synthetic-shapes).")
        Path dir;

        @Option(names = "--dataset", paramLabel = "NAME", description = "synthetic-shapes, cifar10 or cifar100.")
        String dataset;

        @Option(names = "--out", required = true, paramLabel = "FILE.png", description = "The PNG to write.")
        Path out;

        @Option(names = "--img-size", defaultValue = "64", description = "Output side. Default: ${DEFAULT-VALUE}.")
        int imgSize;

        @Option(names = "--count", defaultValue = "16", description = "Images in the grid. Default: ${DEFAULT-VALUE}.")
        int count;

        @Option(names = "--scale", arity = "2", paramLabel = "F", description = "Crop area range. Default: 0.08 1.")
        double[] scale = {0.08, 1.0};

        @Option(names = "--hflip", defaultValue = "0.5", description = "Horizontal flip probability.")
        double hflip;

        @Option(names = "--color-jitter", defaultValue = "0.4", description = "Colour jitter (without --aa).")
        double colorJitter;

        @Option(names = "--aa", paramLabel = "STR", description = "RandAugment, e.g. rand-m9-mstd0.5-inc1.")
        String aa;

        @Option(names = "--reprob", defaultValue = "0", description = "Random erasing probability.")
        double reprob;

        @Option(names = "--remode", defaultValue = "pixel", description = "Random erasing mode: pixel, rand, const.")
        String remode;

        @Option(names = "--mixup", defaultValue = "0", description = "Mixup alpha (0: off).")
        double mixup;

        @Option(names = "--cutmix", defaultValue = "0", description = "CutMix alpha (0: off).")
        double cutmix;

        @Option(names = "--seed", defaultValue = "0", description = "Seed. Default: ${DEFAULT-VALUE}.")
        long seed;

        @Override
        public Integer call() throws IOException {
            if (count < 1 || count > 256) {
                throw new IllegalArgumentException("--count must be 1 to 256, got " + count);
            }
            InputConfig cfg = InputConfig.imagenet(imgSize);
            ImageDataset ds = Datasets.open(dataset, dir, Split.TRAIN, seed, imgSize);
            TrainTransform t = TrainTransform.builder(cfg, imgSize).scale(scale[0], scale[1]).hflip(hflip)
                    .colorJitter(colorJitter).autoAugment(aa).reprob(reprob).remode(RandomErasing.Mode.of(remode))
                    .build();
            Mixup mix = mixup > 0 || cutmix > 0 ? Mixup.builder().mixupAlpha(mixup).cutmixAlpha(cutmix).build() : null;
            Batch b;
            try (DataLoader l = DataLoader.builder().dataset(ds).transform(t).batchSize(Math.min(count, ds.size()))
                    .seed(seed).mixup(mix).workers(1).build()) {
                b = l.epoch(0).next();
            }
            int n = b.size();
            int cols = (int) Math.ceil(Math.sqrt(n));
            int rows = (n + cols - 1) / cols;
            int cell = imgSize + 2;
            BufferedImage grid = new BufferedImage(cols * cell, rows * cell, BufferedImage.TYPE_INT_RGB);
            float[] x = b.images().data().asFloat();
            double[] mean = cfg.mean();
            double[] std = cfg.std();
            int plane = imgSize * imgSize;
            for (int k = 0; k < n; k++) {
                for (int y = 0; y < imgSize; y++) {
                    for (int xx = 0; xx < imgSize; xx++) {
                        int rgb = 0;
                        for (int c = 0; c < 3; c++) {
                            double v = (x[(k * 3 + c) * plane + y * imgSize + xx] * std[c] + mean[c]) * 255;
                            rgb = (rgb << 8) | (int) Math.max(0, Math.min(255, Math.round(v)));
                        }
                        grid.setRGB((k % cols) * cell + 1 + xx, (k / cols) * cell + 1 + y, rgb);
                    }
                }
            }
            if (!ImageIO.write(grid, "png", out.toFile())) {
                throw new IOException("no PNG writer");
            }
            PrintWriter pw = spec.commandLine().getOut();
            pw.printf("wrote %d augmented images (%dx%d) to %s%n", n, imgSize, imgSize, out);
            pw.flush();
            return TokenMixCli.OK;
        }
    }
}
