package dev.tokenmix.train.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * CIFAR-10 and CIFAR-100 in their binary ("for C programs") format
 * (<a href="https://www.cs.toronto.edu/~kriz/cifar.html">Krizhevsky, 2009</a>), held in memory.
 *
 * <p>CIFAR-10 ({@code cifar-10-batches-bin}): {@code data_batch_1.bin} ... {@code data_batch_5.bin} for train
 * and {@code test_batch.bin} for val, records of 1 label byte and 3072 pixel bytes (1024 red, 1024 green, 1024
 * blue, row-major 32 × 32); class names from {@code batches.meta.txt}. CIFAR-100 ({@code cifar-100-binary}):
 * {@code train.bin} and {@code test.bin}, records of a coarse and a fine label byte then the pixels; names from
 * {@code fine_label_names.txt} (or {@code coarse_label_names.txt} with coarse labels).
 *
 * <p>{@link #open} accepts the batches folder itself or a folder containing it.
 */
public final class CifarBinary implements ImageDataset {
    private static final int PIXELS = 32 * 32;
    private static final List<String> CIFAR10_NAMES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");

    /** Which labels of CIFAR-100 to use. */
    public enum Labels {
        /** The 100 fine classes (the usual benchmark). */
        FINE,
        /** The 20 superclasses. */
        COARSE
    }

    private final String name;
    private final Split split;
    private final byte[] pixels;
    private final int[] labels;
    private final List<String> classNames;

    private CifarBinary(String name, Split split, byte[] pixels, int[] labels, List<String> classNames) {
        this.name = name;
        this.split = split;
        this.pixels = pixels;
        this.labels = labels;
        this.classNames = classNames;
    }

    /** Opens CIFAR-10 or CIFAR-100 (fine labels), whichever {@code dir} holds. */
    public static CifarBinary open(Path dir, Split split) {
        return open(dir, split, Labels.FINE);
    }

    /** Opens CIFAR-10 or CIFAR-100, whichever {@code dir} holds; {@code labels} matters for CIFAR-100 only. */
    public static CifarBinary open(Path dir, Split split, Labels labels) {
        if (!Files.isDirectory(dir)) {
            throw new DatasetException("CIFAR folder " + dir + " does not exist; download and unpack the binary"
                    + " version (cifar-10-binary.tar.gz or cifar-100-binary.tar.gz)");
        }
        for (Path d : List.of(dir, dir.resolve("cifar-10-batches-bin"), dir.resolve("cifar-100-binary"))) {
            if (Files.isRegularFile(d.resolve("test_batch.bin")) || Files.isRegularFile(d.resolve("data_batch_1.bin"))) {
                return cifar10(d, split);
            }
            if (Files.isRegularFile(d.resolve("train.bin")) || Files.isRegularFile(d.resolve("test.bin"))) {
                return cifar100(d, split, labels);
            }
        }
        throw new DatasetException(dir + " holds neither CIFAR-10 (data_batch_N.bin, test_batch.bin) nor CIFAR-100"
                + " (train.bin, test.bin) binary files");
    }

    /** {@code cifar10} or {@code cifar100}. */
    public String name() {
        return name;
    }

    private static CifarBinary cifar10(Path dir, Split split) {
        List<Path> files = new ArrayList<>();
        if (split == Split.TRAIN) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.getFileName().toString().matches("data_batch_\\d+\\.bin"))
                        .sorted((a, b) -> NaturalOrder.INSTANCE.compare(a.getFileName().toString(),
                                b.getFileName().toString()))
                        .forEach(files::add);
            } catch (IOException e) {
                throw new DatasetException("cannot list " + dir + ": " + e.getMessage(), e);
            }
        } else {
            files.add(dir.resolve("test_batch.bin"));
        }
        List<String> names = names(dir.resolve("batches.meta.txt"), CIFAR10_NAMES);
        return read("cifar10", split, files, 1, 0, names, dir);
    }

    private static CifarBinary cifar100(Path dir, Split split, Labels which) {
        Path file = dir.resolve(split == Split.TRAIN ? "train.bin" : "test.bin");
        boolean coarse = which == Labels.COARSE;
        List<String> names = names(dir.resolve(coarse ? "coarse_label_names.txt" : "fine_label_names.txt"),
                numbered(coarse ? 20 : 100));
        return read("cifar100", split, List.of(file), 2, coarse ? 0 : 1, names, dir);
    }

    private static CifarBinary read(String name, Split split, List<Path> files, int labelBytes, int labelAt,
            List<String> names, Path dir) {
        if (files.isEmpty()) {
            throw new DatasetException(dir + " has no " + name + " " + split.folder() + " batches");
        }
        int record = labelBytes + 3 * PIXELS;
        List<byte[]> contents = new ArrayList<>();
        long total = 0;
        for (Path f : files) {
            byte[] b;
            try {
                b = Files.readAllBytes(f);
            } catch (IOException e) {
                throw new DatasetException("cannot read " + f + ": " + e.getMessage(), e);
            }
            if (b.length == 0 || b.length % record != 0) {
                throw new DatasetException(f + " is not a " + name + " binary batch: " + b.length
                        + " bytes is not a multiple of the " + record + "-byte record");
            }
            contents.add(b);
            total += b.length / record;
        }
        int n = Math.toIntExact(total);
        byte[] pixels = new byte[n * 3 * PIXELS];
        int[] labels = new int[n];
        int k = 0;
        for (int f = 0; f < contents.size(); f++) {
            byte[] b = contents.get(f);
            for (int off = 0; off < b.length; off += record, k++) {
                int label = b[off + labelAt] & 0xFF;
                if (label >= names.size()) {
                    throw new DatasetException(files.get(f) + ": record " + (off / record) + " has label " + label
                            + " but there are " + names.size() + " classes");
                }
                labels[k] = label;
                System.arraycopy(b, off + labelBytes, pixels, k * 3 * PIXELS, 3 * PIXELS);
            }
        }
        return new CifarBinary(name, split, pixels, labels, names);
    }

    private static List<String> names(Path file, List<String> fallback) {
        if (!Files.isRegularFile(file)) {
            return fallback;
        }
        try {
            List<String> names = Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(s -> !s.isEmpty()).toList();
            if (names.size() != fallback.size()) {
                throw new DatasetException(file + " lists " + names.size() + " class names, expected "
                        + fallback.size());
            }
            return names;
        } catch (IOException e) {
            throw new DatasetException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static List<String> numbered(int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add("class" + i);
        }
        return List.copyOf(l);
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int label(int i) {
        return labels[i];
    }

    @Override
    public Sample get(int i) {
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        int[] rgb = new int[PIXELS];
        int base = i * 3 * PIXELS;
        for (int p = 0; p < PIXELS; p++) {
            int r = pixels[base + p] & 0xFF;
            int g = pixels[base + PIXELS + p] & 0xFF;
            int b = pixels[base + 2 * PIXELS + p] & 0xFF;
            rgb[p] = (r << 16) | (g << 8) | b;
        }
        img.setRGB(0, 0, 32, 32, rgb, 0, 32);
        return new Sample(img, labels[i]);
    }

    @Override
    public String describe(int i) {
        return name + ":" + split.folder() + "#" + i;
    }
}
