package dev.tokenmix.bench.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.cli.TokenMixCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tokenmix bench} in-process on the tiny vit_test: CSV rows, files, and one-line usage errors (exit 2). */
class BenchCommandTest {

    record Result(int code, String out, String err) {
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank() && !l.startsWith("[WARN]")).toList();
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    static Result run(String... args) {
        CommandLine cl = TokenMixCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void bothModesGiveOneRowEachWithTheIssueColumns() {
        Result r = run("bench", "--model", "vit_test", "--mode", "both", "--batch-size", "2", "--warmup", "0",
                "--steps", "1", "--sgemm-size", "128");
        assertEquals(0, r.code(), r::toString);
        List<String> lines = r.out().lines().toList();
        assertEquals(3, lines.size(), r::toString);
        assertTrue(lines.get(0).startsWith("model,mode,img_size,batch_size,samples_per_sec,step_time_ms,param_count,"
                + "gmacs,gflops_per_sec,peak_rss_mb,backend,threads"), lines.get(0));
        // vit_test by hand: patch embed 6,176 + cls 32 + pos 544 + 2 blocks x 8,544 + norm 64 + head 33,000
        long params = 56_904;
        for (int i = 1; i <= 2; i++) {
            String[] f = lines.get(i).split(",", -1);
            assertEquals(13, f.length, lines.get(i));
            assertEquals("vit_test", f[0]);
            assertEquals(i == 1 ? "infer" : "train", f[1]);
            assertEquals("32", f[2]);
            assertEquals("2", f[3]);
            double sps = Double.parseDouble(f[4]);
            double ms = Double.parseDouble(f[5]);
            assertEquals(2.0, sps * ms / 1000, 0.01, lines.get(i));
            assertEquals(String.valueOf(params), f[6]);
            assertTrue(Double.parseDouble(f[9]) > 0, "peak RSS " + f[9]);
            assertTrue(f[10].startsWith("nd4j-"), f[10]);
            assertTrue(Integer.parseInt(f[11]) >= 1, f[11]);
            assertFalse(f[12].isEmpty(), "sgemm fraction missing: " + lines.get(i));
        }
        assertTrue(r.err().lines().anyMatch(l -> l.startsWith("# sgemm 128x128")), r::toString);
    }

    @Test
    void scalingWritesCsvAndPlot(@TempDir Path dir) throws IOException {
        Path csv = dir.resolve("out/scaling.csv");
        Path png = dir.resolve("scaling.png");
        Result r = run("bench", "--models", "vit_t*", "--scaling", "32,48", "--batch-size", "1", "--warmup", "0",
                "--steps", "1", "--sgemm-size", "0", "--csv", csv.toString(), "--plot", png.toString());
        assertEquals(0, r.code(), r::toString);
        List<String> rows = Files.readAllLines(csv);
        assertEquals(3, rows.size(), rows::toString);
        assertTrue(rows.get(1).startsWith("vit_test,infer,32,1,"), rows.get(1));
        assertTrue(rows.get(2).startsWith("vit_test,infer,48,1,"), rows.get(2));
        assertTrue(rows.get(1).endsWith(","), "no sgemm fraction without a ceiling: " + rows.get(1));
        assertIsPng(png);

        Path again = dir.resolve("replot.png");
        Result re = run("bench", "--replot", csv.toString(), "--plot", again.toString());
        assertEquals(0, re.code(), re::toString);
        assertIsPng(again);
        BenchResult row = BenchResult.parse(rows.get(2));
        String[] f = rows.get(2).split(",", -1);
        assertEquals("vit_test", row.model());
        assertEquals(48, row.imgSize());
        assertEquals(Double.parseDouble(f[5]), row.stepTimeMs());
        assertEquals(Double.parseDouble(f[9]), row.peakRssMb());
    }

    private static void assertIsPng(Path png) throws IOException {
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 4);
        assertEquals("\u0089PNG", new String(head, java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    @Test
    void badInputIsExitTwoWithOneLine() {
        String[][] cases = {
            {"bench"},
            {"bench", "--model", "vit_test", "--models", "vit*"},
            {"bench", "--model", "no_such_model"},
            {"bench", "--models", "zzz*"},
            {"bench", "--model", "vit_test", "--mode", "fast"},
            {"bench", "--model", "vit_test", "--batch-size", "0"},
            {"bench", "--model", "vit_test", "--steps", "0"},
            {"bench", "--model", "vit_test", "--img-size", "32", "--scaling", "32,64"},
            {"bench", "--model", "vit_test", "--plot", "x.png"},
            {"bench", "--replot", "no-such-file.csv", "--plot", "x.png"},
            {"bench", "--model", "vit_test", "--profile-ops", "-1"},
        };
        for (String[] args : cases) {
            Result r = run(args);
            assertEquals(2, r.code(), () -> String.join(" ", args) + "\n" + r);
            assertEquals(1, r.errLines().size(), () -> String.join(" ", args) + "\n" + r);
            assertTrue(r.errLines().get(0).startsWith("tokenmix bench: "), r::toString);
            assertEquals("", r.out(), r::toString);
        }
    }

    @Test
    void outOfMemoryIsRecognisedThroughCauses() {
        assertTrue(OutOfMemory.isOutOfMemory(new OutOfMemoryError("Java heap space")));
        assertTrue(OutOfMemory.isOutOfMemory(new RuntimeException("op failed",
                new OutOfMemoryError("Cannot allocate new LongPointer(16): totalBytes = 6G, physicalBytes = 12G"))));
        assertTrue(OutOfMemory.isOutOfMemory(new IllegalStateException("Failed to allocate 3221225472 bytes")));
        assertFalse(OutOfMemory.isOutOfMemory(new IllegalStateException("shape mismatch")));
        assertFalse(OutOfMemory.isOutOfMemory(new RuntimeException("wrapper", new IllegalArgumentException("bad"))));
    }
}
