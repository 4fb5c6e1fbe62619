package dev.tokenmix.train.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A folder of images with one sub-folder per class, as torchvision's and timm's {@code ImageFolder} read it.
 *
 * <p>Layouts: {@code ROOT/train/CLASS/...} and {@code ROOT/val/CLASS/...} (also {@code validation} or
 * {@code test} for the val split), or a flat {@code ROOT/CLASS/...} that serves both splits. Classes are the
 * class folders in timm's natural order ({@code class2} before {@code class10}), those of {@code train/} for both
 * splits so that labels agree when {@code val/} lacks a class, unless a class map gives them:
 * a text file with one class name per line (label = line number) or {@code name index} per line, like timm's
 * {@code --class-map}; folders not in the map are ignored. Images are found recursively under each class folder
 * by extension (jpg, jpeg, png, bmp, gif, webp; case-insensitive) and decoded with ImageIO, where TwelveMonkeys
 * adds CMYK/YCCK and other JPEGs the JDK cannot read.
 *
 * <p>When opened, each file's header is checked; unreadable files are skipped, counted and reported in one
 * SLF4J warning. A missing folder, a folder without class folders, or one without a readable image is a
 * {@link DatasetException}.
 */
public final class ImageFolder implements ImageDataset {
    private static final Logger LOG = LoggerFactory.getLogger(ImageFolder.class);
    /** File extensions considered images (lower case, without the dot). */
    public static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif", "webp");

    static {
        // Picks up TwelveMonkeys (and any other ImageIO plugin) from the class path, whatever loaded us.
        ImageIO.scanForPlugins();
    }

    private final Path root;
    private final List<String> classNames;
    private final Path[] files;
    private final int[] labels;
    private final int skipped;

    private ImageFolder(Path root, List<String> classNames, Path[] files, int[] labels, int skipped) {
        this.root = root;
        this.classNames = classNames;
        this.files = files;
        this.labels = labels;
        this.skipped = skipped;
    }

    /** Opens {@code root}'s {@code split} (see the class comment for the layouts), classes in natural order. */
    public static ImageFolder open(Path root, Split split) {
        return builder(root).split(split).build();
    }

    /** A builder for {@code root}. */
    public static Builder builder(Path root) {
        return new Builder(root);
    }

    /**
     * The folder holding {@code split}'s class folders: {@code root/train} or {@code root/val} (or
     * {@code validation}, {@code test}) when present, else {@code root} itself.
     */
    public static Path splitFolder(Path root, Split split) {
        List<String> names = split == Split.TRAIN ? List.of("train", "training")
                : List.of("val", "validation", "test");
        for (String n : names) {
            if (Files.isDirectory(root.resolve(n))) {
                return root.resolve(n);
            }
        }
        if (Files.isDirectory(root.resolve("train")) || Files.isDirectory(root.resolve("val"))) {
            throw new DatasetException(root + " has no " + split.folder() + "/ folder; add " + root.resolve(split.folder())
                    + " or point to a folder of class folders");
        }
        return root;
    }

    /** The folder the class folders were read from. */
    public Path root() {
        return root;
    }

    /** How many image files were skipped because they could not be read. */
    public int skipped() {
        return skipped;
    }

    /** The file of sample {@code i}. */
    public Path file(int i) {
        return files[i];
    }

    @Override
    public int size() {
        return files.length;
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
        return new Sample(read(files[i]), labels[i]);
    }

    @Override
    public String describe(int i) {
        return files[i].toString();
    }

    /** Decodes one image file to {@code TYPE_INT_RGB} (grey images as Pillow converts them). */
    static BufferedImage read(Path file) {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new UnreadableImageException("cannot decode " + file + ": " + e.getMessage(), e);
        }
        if (img == null) {
            throw new UnreadableImageException("no image reader for " + file, null);
        }
        return Pixels8.toRgb(img);
    }

    /** Whether ImageIO has a reader for the file's content and can read its header. */
    static boolean readable(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                return false;
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            while (readers.hasNext()) {
                ImageReader r = readers.next();
                try {
                    in.seek(0);
                    r.setInput(in, true, true);
                    if (r.getWidth(0) > 0 && r.getHeight(0) > 0) {
                        return true;
                    }
                } catch (IOException | RuntimeException e) {
                    // try the next reader
                } finally {
                    r.dispose();
                }
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static boolean hasImageExtension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** Builds an {@link ImageFolder}; {@link #build} scans the folder. */
    public static final class Builder {
        private final Path root;
        private Split split = Split.TRAIN;
        private Path classMap;
        private boolean verify = true;

        private Builder(Path root) {
            this.root = java.util.Objects.requireNonNull(root, "root");
        }

        /** Which split to open (default train). */
        public Builder split(Split split) {
            this.split = split;
            return this;
        }

        /** A class map file (timm's {@code --class-map}); null for the folder names in natural order. */
        public Builder classMap(Path classMap) {
            this.classMap = classMap;
            return this;
        }

        /** Whether each file's header is checked when opening (default true); unchecked files fail at decode. */
        public Builder verify(boolean verify) {
            this.verify = verify;
            return this;
        }

        public ImageFolder build() {
            if (!Files.isDirectory(root)) {
                throw new DatasetException("data folder " + root + (Files.exists(root) ? " is not a folder"
                        : " does not exist") + "; give a folder of class folders (or with train/ and val/)");
            }
            Path dir = splitFolder(root, split);
            List<String> folders = listClassFolders(dir);
            // A val folder may lack a class; labels must still agree with the train folder's.
            Path trainDir = split == Split.VAL && !dir.equals(root) ? List.of("train", "training").stream()
                    .map(root::resolve).filter(Files::isDirectory).findFirst().orElse(null) : null;
            List<String> classFolders = trainDir != null ? listClassFolders(trainDir) : folders;
            Map<String, Integer> classIndex = classMap != null ? readClassMap(classMap) : naturalOrder(classFolders);
            if (classIndex.isEmpty()) {
                throw new DatasetException(dir + " has no class folders; put the images of each class in its own"
                        + " sub-folder (" + dir.resolve("cat") + "/..., " + dir.resolve("dog") + "/...)");
            }
            List<Path> found = new ArrayList<>();
            List<Integer> foundLabels = new ArrayList<>();
            for (String f : folders) {
                Integer label = classIndex.get(f);
                if (label == null) {
                    continue;
                }
                for (Path p : imagesUnder(dir.resolve(f))) {
                    found.add(p);
                    foundLabels.add(label);
                }
            }
            List<Path> files = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            int bad = 0;
            Path example = null;
            // Header checks are I/O bound: run them in parallel, then keep the files in their sorted order.
            boolean[] ok = new boolean[found.size()];
            if (verify) {
                java.util.stream.IntStream.range(0, ok.length).parallel().forEach(i -> ok[i] = readable(found.get(i)));
            }
            for (int i = 0; i < found.size(); i++) {
                Path p = found.get(i);
                if (verify && !ok[i]) {
                    bad++;
                    example = example == null ? p : example;
                    continue;
                }
                files.add(p);
                labels.add(foundLabels.get(i));
            }
            if (bad > 0) {
                LOG.warn("skipped {} unreadable image file{} under {} (e.g. {})", bad, bad == 1 ? "" : "s", dir,
                        example);
            }
            if (files.isEmpty()) {
                throw new DatasetException(dir + " has no readable images (" + String.join(", ",
                        EXTENSIONS.stream().sorted().toList()) + ") in its class folders"
                        + (bad > 0 ? "; " + bad + " files could not be decoded" : ""));
            }
            String[] names = new String[classIndex.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1];
            classIndex.forEach((n, i) -> names[i] = n);
            for (int i = 0; i < names.length; i++) {
                if (names[i] == null) {
                    throw new DatasetException("class map " + classMap + " has no class with index " + i);
                }
            }
            return new ImageFolder(dir, List.of(names), files.toArray(Path[]::new),
                    labels.stream().mapToInt(Integer::intValue).toArray(), bad);
        }

        private static List<String> listClassFolders(Path dir) {
            try (Stream<Path> s = Files.list(dir)) {
                return s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                        .filter(n -> !n.startsWith(".")).sorted(NaturalOrder.INSTANCE).toList();
            } catch (IOException e) {
                throw new DatasetException("cannot list " + dir + ": " + e.getMessage(), e);
            }
        }

        private static Map<String, Integer> naturalOrder(List<String> folders) {
            Map<String, Integer> m = new LinkedHashMap<>();
            for (String f : folders) {
                m.put(f, m.size());
            }
            return m;
        }

        private static List<Path> imagesUnder(Path dir) {
            // Class folders are often links into a shared image store: follow them.
            try (Stream<Path> s = Files.walk(dir, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
                List<Path> l = new ArrayList<>(s.filter(Files::isRegularFile).filter(ImageFolder::hasImageExtension)
                        .toList());
                l.sort((a, b) -> NaturalOrder.INSTANCE.compare(dir.relativize(a).toString(),
                        dir.relativize(b).toString()));
                return l;
            } catch (IOException | UncheckedIOException e) {
                throw new DatasetException("cannot list " + dir + ": " + e.getMessage(), e);
            }
        }

        /** timm's class map: one name per line (label = line number) or {@code name index} per line. */
        static Map<String, Integer> readClassMap(Path file) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new DatasetException("cannot read class map " + file + ": " + e.getMessage(), e);
            }
            Map<String, Integer> m = new LinkedHashMap<>();
            int lineNo = 0;
            for (String raw : lines) {
                lineNo++;
                String line = raw.strip();
                if (line.isEmpty()) {
                    continue;
                }
                String[] parts = line.split("\\s+");
                int index;
                if (parts.length == 1) {
                    index = m.size();
                } else if (parts.length == 2) {
                    try {
                        index = Integer.parseInt(parts[1]);
                    } catch (NumberFormatException e) {
                        throw new DatasetException("class map " + file + " line " + lineNo + ": '" + parts[1]
                                + "' is not a class index; write 'name' or 'name index'");
                    }
                } else {
                    throw new DatasetException("class map " + file + " line " + lineNo
                            + ": expected 'name' or 'name index', got '" + line + "'");
                }
                if (index < 0) {
                    throw new DatasetException("class map " + file + " line " + lineNo + ": negative index " + index);
                }
                if (m.containsKey(parts[0])) {
                    throw new DatasetException("class map " + file + " line " + lineNo + ": class '" + parts[0]
                            + "' appears twice");
                }
                if (m.containsValue(index)) {
                    throw new DatasetException("class map " + file + " line " + lineNo + ": index " + index
                            + " is used twice");
                }
                m.put(parts[0], index);
            }
            return Collections.unmodifiableMap(m);
        }
    }
}
