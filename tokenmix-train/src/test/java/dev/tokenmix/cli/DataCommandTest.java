package dev.tokenmix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.train.data.ImageFolder;
import dev.tokenmix.train.data.Split;
import dev.tokenmix.train.data.SyntheticShapes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tokenmix data synth} and {@code data info}, in-process. */
class DataCommandTest {
    @TempDir
    Path tmp;

    @Test
    void synthWritesAnImageFolderTheLoaderReadsBack() {
        Path out = tmp.resolve("shapes");
        CliTest.Result r = CliTest.run("data", "synth", "--out", out.toString(), "--classes", "3", "--per-class", "4",
                "--val-per-class", "2", "--img-size", "24", "--seed", "5");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("wrote 12 train and 6 val images"), r::toString);
        ImageFolder train = ImageFolder.open(out, Split.TRAIN);
        ImageFolder val = ImageFolder.open(out, Split.VAL);
        SyntheticShapes gen = SyntheticShapes.builder().classes(3).perClass(4).imageSize(24).seed(5).build();
        assertEquals(List.of("circle", "ring", "triangle"), train.classNames());
        assertEquals(gen.classNames(), train.classNames());
        assertEquals(12, train.size());
        assertEquals(6, val.size());
        assertEquals(0, train.skipped());
        // PNG is lossless: the files hold exactly the generated pixels, under the generated label's folder.
        for (int i = 0; i < gen.size(); i++) {
            String name = String.format("%s_%05d.png", gen.classNames().get(gen.label(i)), i);
            int j = 0;
            while (!train.file(j).getFileName().toString().equals(name)) {
                j++;
            }
            assertEquals(gen.label(i), train.label(j));
            int[] expected = gen.get(i).image().getRGB(0, 0, 24, 24, null, 0, 24);
            int[] read = train.get(j).image().getRGB(0, 0, 24, 24, null, 0, 24);
            assertTrue(java.util.Arrays.equals(expected, read), name);
        }

        CliTest.Result info = CliTest.run("data", "info", out.toString());
        assertEquals(0, info.code(), info::toString);
        assertTrue(info.out().contains("train: 12 images, 3 classes"), info::toString);
        assertTrue(info.out().contains("circle 4, ring 4, triangle 4"), info::toString);
    }

    @Test
    void previewWritesAGridOfAugmentedImages() throws IOException {
        Path png = tmp.resolve("p.png");
        CliTest.Result r = CliTest.run("data", "preview", "--dataset", "synthetic-shapes", "--out", png.toString(),
                "--img-size", "20", "--count", "6", "--aa", "rand-m9-mstd0.5-inc1", "--reprob", "0.5", "--cutmix", "1");
        assertEquals(0, r.code(), r::toString);
        java.awt.image.BufferedImage grid = javax.imageio.ImageIO.read(png.toFile());
        assertEquals(3 * 22, grid.getWidth());
        assertEquals(2 * 22, grid.getHeight());
        CliTest.Result bad = CliTest.run("data", "preview", "--dataset", "synthetic-shapes", "--out", png.toString(),
                "--aa", "rand-m9-q2");
        assertEquals(2, bad.code(), bad::toString);
        assertTrue(bad.err().contains("'q2'"), bad::toString);
    }

    @Test
    void badInputIsExitTwoWithOneLine() throws IOException {
        CliTest.Result missing = CliTest.run("data", "synth");
        assertEquals(2, missing.code(), missing::toString);
        assertTrue(missing.err().contains("--out"), missing::toString);

        CliTest.Result tooMany = CliTest.run("data", "synth", "--out", tmp.resolve("a").toString(), "--classes", "1000");
        assertEquals(2, tooMany.code(), tooMany::toString);
        assertEquals(1, tooMany.errLines().size(), tooMany::toString);
        assertTrue(tooMany.err().contains("1000"), tooMany::toString);

        Files.createDirectories(tmp.resolve("b"));
        Files.writeString(tmp.resolve("b/x.txt"), "x");
        CliTest.Result notEmpty = CliTest.run("data", "synth", "--out", tmp.resolve("b").toString());
        assertEquals(2, notEmpty.code(), notEmpty::toString);
        assertTrue(notEmpty.err().contains("not empty"), notEmpty::toString);

        CliTest.Result noData = CliTest.run("data", "info", tmp.resolve("none").toString());
        assertEquals(2, noData.code(), noData::toString);
        assertEquals(1, noData.errLines().size(), noData::toString);
        assertTrue(noData.err().contains("does not exist"), noData::toString);
    }
}
