package dev.tokenmix.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarBinaryTest {
    @TempDir
    Path tmp;

    /** Records whose pixel (c, y, x) is {@code (seed + 7c + 3y + x) mod 256}, after the given label bytes. */
    private static byte[] records(int[][] labels, int[] seeds) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int r = 0; r < seeds.length; r++) {
            for (int l : labels[r]) {
                out.write(l);
            }
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        out.write((seeds[r] + 7 * c + 3 * y + x) & 0xFF);
                    }
                }
            }
        }
        return out.toByteArray();
    }

    private static int expectedRgb(int seed, int y, int x) {
        int r = (seed + 3 * y + x) & 0xFF;
        int g = (seed + 7 + 3 * y + x) & 0xFF;
        int b = (seed + 14 + 3 * y + x) & 0xFF;
        return (r << 16) | (g << 8) | b;
    }

    @Test
    void cifar10BatchesInNumericOrderWithMetaNames() throws IOException {
        Path dir = tmp.resolve("cifar-10-batches-bin");
        Files.createDirectories(dir);
        Files.write(dir.resolve("data_batch_1.bin"), records(new int[][] {{3}, {9}}, new int[] {10, 20}));
        Files.write(dir.resolve("data_batch_2.bin"), records(new int[][] {{0}}, new int[] {30}));
        Files.write(dir.resolve("test_batch.bin"), records(new int[][] {{5}}, new int[] {40}));
        List<String> names = List.of("a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9");
        Files.write(dir.resolve("batches.meta.txt"), names);
        CifarBinary train = CifarBinary.open(tmp, Split.TRAIN);
        assertEquals("cifar10", train.name());
        assertEquals(names, train.classNames());
        assertEquals(3, train.size());
        assertEquals(9, train.label(1));
        assertEquals(0, train.get(2).label());
        assertEquals(expectedRgb(20, 5, 17), train.get(1).image().getRGB(17, 5) & 0xFFFFFF);
        CifarBinary test = CifarBinary.open(dir, Split.VAL);
        assertEquals(1, test.size());
        assertEquals(5, test.label(0));
        assertEquals(expectedRgb(40, 31, 0), test.get(0).image().getRGB(0, 31) & 0xFFFFFF);
    }

    @Test
    void cifar100FineAndCoarseLabels() throws IOException {
        Path dir = tmp.resolve("cifar-100-binary");
        Files.createDirectories(dir);
        Files.write(dir.resolve("train.bin"), records(new int[][] {{4, 77}, {19, 99}}, new int[] {1, 2}));
        Files.write(dir.resolve("test.bin"), records(new int[][] {{0, 1}}, new int[] {3}));
        CifarBinary fine = CifarBinary.open(tmp, Split.TRAIN);
        assertEquals("cifar100", fine.name());
        assertEquals(100, fine.numClasses());
        assertEquals(77, fine.label(0));
        assertEquals(99, fine.label(1));
        CifarBinary coarse = CifarBinary.open(tmp, Split.TRAIN, CifarBinary.Labels.COARSE);
        assertEquals(20, coarse.numClasses());
        assertEquals(19, coarse.label(1));
        assertEquals(expectedRgb(2, 0, 0), fine.get(1).image().getRGB(0, 0) & 0xFFFFFF);
        assertEquals(1, Datasets.open("cifar100", tmp, Split.VAL, 0, 32).size());
        DatasetException wrong = assertThrows(DatasetException.class, () -> Datasets.open("cifar10", tmp, Split.VAL, 0, 32));
        assertTrue(wrong.getMessage().contains("cifar100"), wrong.getMessage());
    }

    @Test
    void truncatedFilesAndMissingFoldersAreClearErrors() throws IOException {
        Files.write(tmp.resolve("test_batch.bin"), new byte[3000]);
        DatasetException e = assertThrows(DatasetException.class, () -> CifarBinary.open(tmp, Split.VAL));
        assertTrue(e.getMessage().contains("3073"), e.getMessage());
        assertThrows(DatasetException.class, () -> CifarBinary.open(tmp.resolve("none"), Split.VAL));
        Files.write(tmp.resolve("test_batch.bin"), records(new int[][] {{12}}, new int[] {0}));
        DatasetException label = assertThrows(DatasetException.class, () -> CifarBinary.open(tmp, Split.VAL));
        assertTrue(label.getMessage().contains("label 12"), label.getMessage());
    }
}
