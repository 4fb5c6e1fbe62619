package dev.tokenmix.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.io.Npy;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.TokenMix;
import dev.tokenmix.models.weights.ModelFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@code predict} and {@code convert} in-process, on the tiny vit_test. */
class PredictConvertTest {
    @TempDir
    Path tmp;

    private Path savedVitTest() {
        Model m = TokenMix.createModel("vit_test");
        ModelFiles.save(m, tmp.resolve("saved"));
        return tmp.resolve("saved/model.safetensors");
    }

    @Test
    void predictWritesLogitsOfTheLoadedWeightsAtTheInputsResolution() throws Exception {
        Path weights = savedVitTest();
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 48, 48);
        Npy.write(tmp.resolve("x.npy"), x);
        CliTest.Result r = CliTest.run("predict", "-m", "vit_test", "-w", weights.toString(), "--input-npy",
                tmp.resolve("x.npy").toString(), "--output-npy", tmp.resolve("y.npy").toString());
        assertEquals(0, r.code(), r::toString);
        INDArray y = Npy.read(tmp.resolve("y.npy"));
        assertArrayEquals(new long[] {2, 1000}, y.shape());
        assertTrue(r.err().contains("0 missing; 0 unexpected"), r::toString);
        // The same as loading by hand into a model built for 48x48 (position embeddings resampled).
        Model m = TokenMix.createModel("vit_test", dev.tokenmix.models.ModelOptions.builder().imgSize(48).build());
        ModelFiles.loadWeights(m, weights, true, true);
        assertEquals(0.0, m.forward(x).sub(y).amaxNumber().doubleValue());
    }

    @Test
    void predictPrintsTopClassesOfImages() throws Exception {
        Path img = Path.of(PredictConvertTest.class.getResource("/data/pattern-64x48.png").toURI());
        Path names = tmp.resolve("classes.txt");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            sb.append("name").append(i).append('\n');
        }
        Files.writeString(names, sb);
        CliTest.Result r = CliTest.run("predict", "-m", "vit_test",
                "--class-map", names.toString(), "--top", "3", img.toString());
        assertEquals(0, r.code(), r::toString);
        assertEquals(3, r.out().lines().filter(l -> l.matches("\\s+\\d\\. name\\d+ \\(\\d+\\)\\s+0\\.\\d{4}")).count(), r::toString);
    }

    @Test
    void predictNeedsImagesOrArrays() {
        CliTest.Result r = CliTest.run("predict", "-m", "vit_test");
        assertEquals(2, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
    }

    @Test
    void convertWritesSafetensorsThatLoadExactly() throws Exception {
        Model m = TokenMix.createModel("vit_test");
        ModelFiles.save(m, tmp.resolve("m"));
        CliTest.Result r = CliTest.run("convert", "--model", "vit_test", tmp.resolve("m/model.safetensors").toString(),
                tmp.resolve("out.safetensors").toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("0 missing; 0 unexpected"), r::toString);
        Model n = TokenMix.createModel("vit_test", dev.tokenmix.models.ModelOptions.builder().seed(9).build());
        assertTrue(ModelFiles.loadWeights(n, tmp.resolve("out.safetensors"), true, true).exact());
        INDArray x = Nd4j.ones(DataType.FLOAT, 1, 3, 32, 32);
        assertEquals(0.0, m.forward(x).sub(n.forward(x)).amaxNumber().doubleValue());
    }

    /** A protocol-2 pickle of {@code os.system('echo')}: refused with exit 2 naming the call; nothing runs. */
    @Test
    void hostilePickleIsRefusedWithExit2() throws Exception {
        Path marker = tmp.resolve("marker");
        String cmd = "touch " + marker;
        byte[] arg = cmd.getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.write(new byte[] {(byte) 0x80, 2});
        b.write("cos\nsystem\n".getBytes(StandardCharsets.US_ASCII));
        b.write('X');
        b.write(new byte[] {(byte) arg.length, 0, 0, 0});
        b.write(arg);
        b.write(new byte[] {(byte) 0x85, 'R', '.'});
        Path evil = tmp.resolve("evil.pth");
        Files.write(evil, b.toByteArray());
        CliTest.Result r = CliTest.run("convert", evil.toString(), tmp.resolve("o.safetensors").toString());
        assertEquals(2, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("os.system"), r::toString);
        assertFalse(Files.exists(marker), "the pickle must not have run");
        assertFalse(Files.exists(tmp.resolve("o.safetensors")));
    }
}
