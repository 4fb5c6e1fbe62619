package dev.tokenmix.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
    @TempDir
    Path tmp;

    private static void png(Path file, int rgb) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(5, 4, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 5; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }

    @Test
    void classesInNaturalOrderFromTrainAndValFolders() throws IOException {
        for (String c : List.of("class10", "class2", "Class1")) {
            png(tmp.resolve("train").resolve(c).resolve("a.png"), 0x102030);
            png(tmp.resolve("train").resolve(c).resolve("sub/b.PNG"), 0x102030);
        }
        png(tmp.resolve("val/class2/x.png"), 0);
        ImageFolder train = ImageFolder.open(tmp, Split.TRAIN);
        assertEquals(List.of("Class1", "class2", "class10"), train.classNames());
        assertEquals(6, train.size());
        assertEquals(2, train.label(train.size() - 1));
        ImageFolder val = ImageFolder.open(tmp, Split.VAL);
        assertEquals(1, val.size());
        assertEquals(train.classNames(), val.classNames());
        assertEquals(1, val.label(0));
        assertEquals(0x102030, train.get(0).image().getRGB(1, 1) & 0xFFFFFF);
    }

    @Test
    void naturalOrderComparesDigitRunsAsNumbers() {
        List<String> names = new java.util.ArrayList<>(List.of("n10", "n9", "n100", "a", "n09b", "B"));
        names.sort(NaturalOrder.INSTANCE);
        assertEquals(List.of("a", "B", "n9", "n09b", "n10", "n100"), names);
    }

    @Test
    void flatFolderServesBothSplitsAndUnreadableFilesAreSkipped() throws IOException {
        png(tmp.resolve("cat/1.png"), 0xFF0000);
        png(tmp.resolve("dog/1.png"), 0x00FF00);
        Files.writeString(tmp.resolve("dog/broken.jpg"), "not a jpeg");
        Files.writeString(tmp.resolve("dog/notes.txt"), "ignored: not an image extension");
        ImageFolder f = ImageFolder.open(tmp, Split.VAL);
        assertEquals(List.of("cat", "dog"), f.classNames());
        assertEquals(2, f.size());
        assertEquals(1, f.skipped());
        // Without the header check the broken file is listed, and decoding it fails with a named exception.
        ImageFolder unchecked = ImageFolder.builder(tmp).verify(false).build();
        assertEquals(3, unchecked.size());
        UnreadableImageException e = assertThrows(UnreadableImageException.class, () -> unchecked.get(2));
        assertTrue(e.getMessage().contains("broken.jpg"), e.getMessage());
    }

    @Test
    void linkedClassFoldersAreFollowed() throws IOException {
        png(tmp.resolve("store/cats/1.png"), 0);
        png(tmp.resolve("store/cats/2.png"), 0);
        Files.createDirectories(tmp.resolve("data/train"));
        Files.createSymbolicLink(tmp.resolve("data/train/cat"), tmp.resolve("store/cats"));
        ImageFolder f = ImageFolder.open(tmp.resolve("data"), Split.TRAIN);
        assertEquals(List.of("cat"), f.classNames());
        assertEquals(2, f.size());
    }

    @Test
    void classMapInBothFormats() throws IOException {
        png(tmp.resolve("a/1.png"), 0);
        png(tmp.resolve("b/1.png"), 0);
        png(tmp.resolve("c/1.png"), 0);
        Path names = tmp.resolve("names.txt");
        Files.writeString(names, "b\na\n");
        ImageFolder f = ImageFolder.builder(tmp).classMap(names).build();
        assertEquals(List.of("b", "a"), f.classNames());
        assertEquals(2, f.size()); // c is not in the map
        assertEquals(1, f.label(0)); // a/1.png comes first on disk
        Path indexed = tmp.resolve("indexed.txt");
        Files.writeString(indexed, "c 0\na 2\nb 1\n");
        assertEquals(List.of("c", "b", "a"), ImageFolder.builder(tmp).classMap(indexed).build().classNames());
        Path bad = tmp.resolve("bad.txt");
        Files.writeString(bad, "a x\n");
        DatasetException e = assertThrows(DatasetException.class, () -> ImageFolder.builder(tmp).classMap(bad).build());
        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("'x'"), e.getMessage());
    }

    @Test
    void missingOrEmptyFoldersAreClearErrors() throws IOException {
        DatasetException missing = assertThrows(DatasetException.class,
                () -> ImageFolder.open(tmp.resolve("nope"), Split.TRAIN));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        DatasetException empty = assertThrows(DatasetException.class, () -> ImageFolder.open(tmp, Split.TRAIN));
        assertTrue(empty.getMessage().contains("no class folders"), empty.getMessage());
        Files.createDirectories(tmp.resolve("cat"));
        DatasetException noImages = assertThrows(DatasetException.class, () -> ImageFolder.open(tmp, Split.TRAIN));
        assertTrue(noImages.getMessage().contains("no readable images"), noImages.getMessage());
        Files.createDirectories(tmp.resolve("x/train/cat"));
        DatasetException noVal = assertThrows(DatasetException.class, () -> ImageFolder.open(tmp.resolve("x"), Split.VAL));
        assertTrue(noVal.getMessage().contains("val"), noVal.getMessage());
    }

    @Test
    void greyPaletteAndBmpImagesDecodeToRgb() throws IOException {
        Files.createDirectories(tmp.resolve("k"));
        BufferedImage grey = new BufferedImage(6, 6, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(2, 3, 0, 200);
        ImageIO.write(grey, "png", tmp.resolve("k/a.png").toFile());
        BufferedImage rgb = new BufferedImage(6, 6, BufferedImage.TYPE_INT_RGB);
        rgb.setRGB(2, 3, 0x00FF00);
        ImageIO.write(rgb, "gif", tmp.resolve("k/b.gif").toFile());
        ImageIO.write(rgb, "bmp", tmp.resolve("k/c.bmp").toFile());
        ImageFolder f = ImageFolder.open(tmp, Split.TRAIN);
        assertEquals(3, f.size());
        // Pillow reads grey 200 as (200, 200, 200); Java2D's getRGB on a grey image would give 229.
        dev.tokenmix.train.data.augment.RgbImage a = dev.tokenmix.train.data.augment.RgbImage.of(f.get(0).image());
        for (int c = 0; c < 3; c++) {
            assertEquals(200, a.get(c, 3, 2));
        }
        for (int i = 1; i < 3; i++) {
            assertEquals(0x00FF00, f.get(i).image().getRGB(2, 3) & 0xFFFFFF, f.describe(i));
        }
    }

    @Test
    void cmykJpegDecodesThroughTwelveMonkeys() throws IOException {
        // A 16x16 CMYK JPEG (C=0, M=255, Y=255, K=0: red) written by Pillow; the JDK's own reader rejects CMYK.
        Path file = tmp.resolve("red/cmyk.jpg");
        Files.createDirectories(file.getParent());
        try (InputStream in = getClass().getResourceAsStream("/data/cmyk.jpg")) {
            Files.copy(in, file);
        }
        ImageFolder f = ImageFolder.open(tmp, Split.TRAIN);
        assertEquals(1, f.size());
        int p = f.get(0).image().getRGB(8, 8);
        int r = p >> 16 & 0xFF;
        int g = p >> 8 & 0xFF;
        int b = p & 0xFF;
        assertTrue(r > 180 && g < 80 && b < 80, String.format("rgb %d %d %d", r, g, b));
    }
}
