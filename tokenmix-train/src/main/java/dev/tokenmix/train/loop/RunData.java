package dev.tokenmix.train.loop;

import dev.tokenmix.models.InputConfig;
import dev.tokenmix.train.data.DataLoader;
import dev.tokenmix.train.data.DataSeeds;
import dev.tokenmix.train.data.DatasetException;
import dev.tokenmix.train.data.Datasets;
import dev.tokenmix.train.data.ImageDataset;
import dev.tokenmix.train.data.SampleTransform;
import dev.tokenmix.train.data.Split;
import dev.tokenmix.train.data.SyntheticShapes;
import dev.tokenmix.train.data.augment.Mixup;
import dev.tokenmix.train.data.augment.TrainTransform;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The training and evaluation loaders of a run, built from its {@link TrainArgs} as timm's {@code train.py} builds
 * them: the train split with the train transform (random resized crop, flip, colour jitter or RandAugment, random
 * erasing), label smoothing and mixup/CutMix, shuffled per epoch; the val split with the variant's eval transform.
 *
 * @param train the training loader
 * @param eval the evaluation loader
 */
public record RunData(DataLoader train, DataLoader eval) implements AutoCloseable {

    /** Opens the datasets {@code args} names, for a model with input config {@code cfg} at {@code imgSize}. */
    public static RunData open(TrainArgs args, InputConfig cfg, int imgSize) {
        ImageDataset trainSet = dataset(args, Split.TRAIN, imgSize);
        ImageDataset evalSet = dataset(args, Split.VAL, imgSize);
        if (trainSet.numClasses() != evalSet.numClasses()) {
            throw new DatasetException("the train split has " + trainSet.numClasses() + " classes but val has "
                    + evalSet.numClasses() + "; give both splits the same class folders");
        }
        TrainTransform tt = TrainTransform.builder(cfg, imgSize).autoAugment(args.aa).reprob(args.reprob)
                .hflip(args.hflip).scale(args.scale[0], args.scale[1]).colorJitter(args.colorJitter).build();
        Mixup mixup = args.mixup > 0 || args.cutmix > 0
                ? Mixup.builder().mixupAlpha(args.mixup).cutmixAlpha(args.cutmix).build() : null;
        long seed = DataSeeds.mix(args.seed, 0x64617461L);
        DataLoader train = DataLoader.builder().dataset(trainSet).transform(tt).batchSize(args.batchSize)
                .shuffle(true).dropLast(trainSet.size() >= args.batchSize).seed(seed).workers(args.workers)
                .labelSmoothing(args.smoothing).mixup(mixup).build();
        DataLoader eval = DataLoader.builder().dataset(evalSet).transform(SampleTransform.eval(cfg, imgSize))
                .batchSize(args.batchSize).shuffle(false).seed(seed).workers(args.workers).build();
        return new RunData(train, eval);
    }

    /** One split of the dataset {@code args} names (synthetic shapes use the run's seed and image size). */
    public static ImageDataset dataset(TrainArgs args, Split split, int imgSize) {
        if (args.dataset == null && args.data == null) {
            throw new IllegalArgumentException("give a data folder (--data DIR) or a dataset (--dataset "
                    + SyntheticShapes.NAME + " or cifar10)");
        }
        if (SyntheticShapes.NAME.equals(args.dataset)) {
            return SyntheticShapes.builder().classes(args.synthClasses).imageSize(imgSize).seed(args.seed)
                    .split(split).perClass(split == Split.TRAIN ? args.synthPerClass
                            : Math.max(1, args.synthPerClass / 5)).build();
        }
        Path dir = args.data == null ? null : Path.of(args.data);
        if (dir != null && !Files.isDirectory(dir)) {
            throw new DatasetException("data folder " + dir + " does not exist; check --data");
        }
        return Datasets.open(args.dataset, dir, split, args.seed, imgSize);
    }

    @Override
    public void close() {
        train.close();
        eval.close();
    }
}
