package dev.tokenmix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.TokenMix;
import dev.tokenmix.models.weights.ModelFiles;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code visualize} in-process on the tiny PaCa-ViT, GLNet and STT variants. */
class VisualizeCommandTest {
    // Layout of the figure (AssignmentFigure's documentation): side gaps 8, title band 18, legend band 34, footer 16.
    private static final int PANEL = 64;

    @TempDir
    Path tmp;

    private static Path image() throws Exception {
        return Path.of(VisualizeCommandTest.class.getResource("/data/pattern-64x48.png").toURI());
    }

    private static BufferedImage readPng(Path p) throws Exception {
        assertTrue(Files.isRegularFile(p), p + " was not written");
        byte[] head = Arrays.copyOf(Files.readAllBytes(p), 8);
        assertEquals("\u0089PNG", new String(head, 0, 4, java.nio.charset.StandardCharsets.ISO_8859_1));
        return ImageIO.read(p.toFile());
    }

    @Test
    void pacaVitWithRandomWeightsDrawsTheInputAndThreeStages() throws Exception {
        Path out = tmp.resolve("figs/paca.png");
        CliTest.Result r = CliTest.run("visualize", "-m", "pacavit_test", image().toString(), "--out", out.toString(),
                "--panel-size", String.valueOf(PANEL));
        assertEquals(0, r.code(), r::toString);
        BufferedImage fig = readPng(out);
        // input + 3 stage panels (pacavit_test has no clusters in stage 4)
        assertEquals(4 * PANEL + 5 * 8, fig.getWidth());
        assertEquals(8 + 18 + PANEL + 34 + 16 + 8, fig.getHeight());
        assertTrue(r.out().contains("3 stages"), r::toString);
        assertTrue(r.err().contains("random initialisation"), r::toString);
    }

    @Test
    void glnetWithRandomWeightsDrawsTheInputAndItsThreeGlmixStages() throws Exception {
        Path out = tmp.resolve("glnet.png");
        CliTest.Result r = CliTest.run("visualize", "--model", "glnet_test", "--soft", image().toString(), "-o",
                out.toString());
        assertEquals(0, r.code(), r::toString);
        BufferedImage fig = readPng(out);
        assertEquals(4 * 224 + 5 * 8, fig.getWidth(), "default panel 224: input + 3 GLMix stages");
        assertEquals(8 + 18 + 224 + 34 + 16 + 8, fig.getHeight());
    }

    @Test
    void sttWithRandomWeightsDrawsTheInputAndOnePanelPerLocalLayer() throws Exception {
        Path out = tmp.resolve("stt.png");
        CliTest.Result r = CliTest.run("visualize", "-m", "stt_test", image().toString(), "--out", out.toString(),
                "--panel-size", String.valueOf(PANEL));
        assertEquals(0, r.code(), r::toString);
        BufferedImage fig = readPng(out);
        // input + 1 panel (stt_test has one local layer)
        assertEquals(2 * PANEL + 3 * 8, fig.getWidth());
        assertEquals(8 + 18 + PANEL + 34 + 16 + 8, fig.getHeight());
        assertTrue(r.out().contains("1 stage)"), r::toString);
    }

    @Test
    void loadedWeightsChangeTheFigure() throws Exception {
        Model trained = TokenMix.createModel("pacavit_test", ModelOptions.builder().seed(99).build());
        ModelFiles.save(trained, tmp.resolve("saved"));
        Path weights = tmp.resolve("saved/model.safetensors");
        Path random = tmp.resolve("random.png");
        Path loaded = tmp.resolve("loaded.png");
        String[] common = {"visualize", "-m", "pacavit_test", "--panel-size", String.valueOf(PANEL), image().toString()};
        assertEquals(0, CliTest.run(concat(common, "--out", random.toString())).code());
        CliTest.Result r = CliTest.run(concat(common, "--weights", weights.toString(), "--out", loaded.toString()));
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.err().contains("0 missing; 0 unexpected"), r::toString);
        BufferedImage a = readPng(random);
        BufferedImage b = readPng(loaded);
        boolean differ = false;
        for (int y = 0; y < a.getHeight() && !differ; y++) {
            for (int x = PANEL + 16; x < a.getWidth() && !differ; x++) {
                differ = a.getRGB(x, y) != b.getRGB(x, y);
            }
        }
        assertTrue(differ, "the stage panels of other weights differ");
    }

    @Test
    void aModelWithoutAssignmentsIsAOneLineUsageErrorNamingTheFamiliesThatHaveThem() throws Exception {
        Path out = tmp.resolve("vit.png");
        CliTest.Result r = CliTest.run("visualize", "-m", "vit_test", image().toString(), "--out", out.toString());
        assertEquals(2, r.code(), r::toString);
        assertEquals(1, r.errLines().stream().filter(l -> l.startsWith("tokenmix visualize:")).count(), r::toString);
        assertTrue(r.err().contains("pacavit_*") && r.err().contains("glnet_*") && r.err().contains("stt_*"),
                r::toString);
        assertFalse(Files.exists(out));
    }

    @Test
    void notAPngOutputIsAUsageError() throws Exception {
        CliTest.Result r = CliTest.run("visualize", "-m", "pacavit_test", image().toString(), "--out",
                tmp.resolve("x.jpg").toString());
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().contains("--out must name a .png file"), r::toString);
    }

    private static String[] concat(String[] a, String... b) {
        String[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
