package dev.tokenmix.train.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Writes a dataset to disk as an {@link ImageFolder} split: one folder per class name, one image file per sample
 * ({@code CLASS/CLASS_00042.png}). Used by {@code tokenmix data synth} so that training reads the generated
 * images through the same loader as real ones.
 */
public final class ImageFolderWriter {
    private ImageFolderWriter() {
    }

    /**
     * Writes every sample of {@code dataset} under {@code dir}.
     *
     * @param format {@code png} (lossless) or {@code jpg}/{@code jpeg}
     * @return the number of files written
     */
    public static int write(ImageDataset dataset, Path dir, String format) throws IOException {
        String fmt = format.toLowerCase(Locale.ROOT);
        String ext = switch (fmt) {
            case "png" -> "png";
            case "jpg", "jpeg" -> "jpg";
            default -> throw new IllegalArgumentException("unknown image format '" + format + "'; use png or jpg");
        };
        for (String c : dataset.classNames()) {
            Files.createDirectories(dir.resolve(c));
        }
        int digits = Math.max(5, String.valueOf(dataset.size()).length());
        for (int i = 0; i < dataset.size(); i++) {
            ImageDataset.Sample s = dataset.get(i);
            String name = dataset.classNames().get(s.label());
            Path file = dir.resolve(name).resolve(String.format(Locale.ROOT, "%s_%0" + digits + "d.%s", name, i, ext));
            if (!ImageIO.write(s.image(), ext.equals("png") ? "png" : "jpeg", file.toFile())) {
                throw new IOException("no ImageIO writer for " + ext);
            }
        }
        return dataset.size();
    }
}
