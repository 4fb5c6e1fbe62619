package dev.tokenmix.train.data;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Opens a dataset by the names of timm's {@code --dataset} and {@code --data-dir}: {@code synthetic-shapes}
 * (generated, no folder needed), {@code cifar10} / {@code cifar100} (binary batches in the folder), or an
 * ImageFolder when no name (or {@code imagefolder}) is given.
 */
public final class Datasets {
    private Datasets() {
    }

    /**
     * Opens a dataset.
     *
     * @param name {@code synthetic-shapes}, {@code cifar10}, {@code cifar100}, {@code imagefolder}, or null/empty
     *     for an ImageFolder
     * @param dir the data folder (ignored by synthetic-shapes)
     * @param split train or val
     * @param seed the seed of a generated dataset
     * @param imageSize the side of generated images (synthetic-shapes); others keep their files' sizes
     */
    public static ImageDataset open(String name, Path dir, Split split, long seed, int imageSize) {
        return open(name, dir, split, seed, imageSize, null);
    }

    /**
     * Opens a dataset, with a class map for an ImageFolder (timm's {@code --class-map}; ignored by the others).
     *
     * @param classMap one class name per line, or {@code name index} per line; null for the folder names
     */
    public static ImageDataset open(String name, Path dir, Split split, long seed, int imageSize, Path classMap) {
        String n = name == null ? "" : name.toLowerCase(Locale.ROOT).replaceFirst("^(torch|tfds|hfds)/", "");
        switch (n) {
            case SyntheticShapes.NAME:
                return SyntheticShapes.builder().seed(seed).imageSize(imageSize).split(split)
                        .perClass(split == Split.TRAIN ? 200 : 50).build();
            case "cifar10", "cifar100": {
                if (dir == null) {
                    throw new DatasetException("dataset " + n + " needs --data DIR with its binary batches");
                }
                CifarBinary c = CifarBinary.open(dir, split);
                if (!c.name().equals(n)) {
                    throw new DatasetException(dir + " holds " + c.name() + ", not " + n);
                }
                return c;
            }
            case "", "imagefolder", "folder":
                if (dir == null) {
                    throw new DatasetException("give a data folder (--data DIR) or a dataset name ("
                            + SyntheticShapes.NAME + ", cifar10, cifar100)");
                }
                return ImageFolder.builder(dir).split(split).classMap(classMap).build();
            default:
                throw new DatasetException("unknown dataset '" + name + "'; use " + SyntheticShapes.NAME
                        + ", cifar10, cifar100 or a data folder");
        }
    }
}
