package dev.tokenmix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line in-process: outputs, one-line errors and exit codes. Forward passes use the tiny vit_test. */
class CliTest {

    record Result(int code, String out, String err) {
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
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
    void modelsCsvHasHeaderAndExactCounts() {
        Result r = run("models", "deit_tiny*", "--format", "csv");
        assertEquals(0, r.code(), r::toString);
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).startsWith("model,family,params,gmacs,img_size,paper_params,paper_gmacs,paper_top1"),
                r::toString);
        String deit = lines.stream().filter(l -> l.startsWith("deit_tiny_patch16_224,")).findFirst().orElseThrow();
        String[] f = deit.split(",", -1);
        assertEquals("vit", f[1]);
        assertEquals("5717416", f[2]);
        double gmacs = Double.parseDouble(f[3]);
        assertTrue(gmacs > 1.2 && gmacs < 1.3, deit);
        assertEquals("224", f[4]);
        assertEquals("5.7", f[5]);
        assertEquals("72.2", f[7]);
        assertEquals("", r.err());
    }

    @Test
    void modelsTableIsHumanReadableAndEmptyPaperNumbersAreDashes() {
        Result r = run("models", "vit_test");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("MODEL") && l.contains("PARAMS") && l.contains("GMACS")),
                r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("vit_test ") && l.contains("56.9K") && l.endsWith("-")),
                r::toString);
    }

    @Test
    void modelsPatternWithoutMatchesIsAUsageError() {
        Result r = run("models", "nomatch*");
        assertEquals(2, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("no model matches 'nomatch*'"), r::toString);
        assertEquals("", r.out());
    }

    @Test
    void unknownModelIsOneLineWithTheClosestName() {
        Result r = run("info", "deit_tin");
        assertEquals(2, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("deit_tiny_patch16_224"), r::toString);
        assertTrue(r.err().contains("unknown model 'deit_tin'"), r::toString);
    }

    @Test
    void infoDescribesAndRunsTheModel() {
        Result r = run("info", "vit_test");
        assertEquals(0, r.code(), r::toString);
        String out = r.out();
        assertTrue(out.contains("model    vit_test"), out);
        assertTrue(out.contains("family   vit"), out);
        assertTrue(out.contains("VitConfig["), out);
        // Per-module rows: top level and one level down (default --depth 2).
        assertTrue(out.lines().anyMatch(l -> l.trim().startsWith("patch_embed ") && l.contains("PatchEmbed")), out);
        assertTrue(out.lines().anyMatch(l -> l.trim().startsWith("blocks.0.attn ") && l.contains("[B, 17, 32]")), out);
        assertTrue(out.contains("params   56,904"), out);
        assertTrue(out.contains("forward  [1, 3, 32, 32] -> [1, 1000]"), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("backend  ") && l.contains("Backend")), out);
        assertEquals("", r.err());
    }

    @Test
    void infoDepthLimitsTheModuleRows() {
        Result r = run("info", "vit_test", "--depth", "1");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith("blocks.0 ")), r::toString);
        assertTrue(r.out().lines().noneMatch(l -> l.trim().startsWith("blocks.0.attn")), r::toString);
    }

    @Test
    void infoAtAnotherResolution() {
        Result r = run("info", "vit_test", "--img-size", "48", "--depth", "0");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("forward  [1, 3, 48, 48] -> [1, 1000]"), r::toString);
    }

    @Test
    void invalidResolutionIsAUsageError() {
        Result r = run("info", "vit_test", "--img-size", "33");
        assertEquals(2, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("33"), r::toString);
    }

    @Test
    void badUsageIsExitTwoWithOneLine() {
        for (String[] args : new String[][] {{"models", "--bogus"}, {"info"}, {"info", "vit_test", "--depth", "x"},
                {"models", "--format", "xml"}, {"modls"}, {}}) {
            Result r = run(args);
            assertEquals(2, r.code(), () -> Arrays.toString(args) + " " + r);
            assertEquals(1, r.errLines().size(), () -> Arrays.toString(args) + " " + r);
            assertTrue(r.err().startsWith("tokenmix"), () -> Arrays.toString(args) + " " + r);
        }
    }

    @Test
    void versionAndHelp() {
        Result v = run("--version");
        assertEquals(0, v.code(), v::toString);
        assertTrue(v.out().startsWith("tokenmix "), v::toString);
        Result h = run("--help");
        assertEquals(0, h.code(), h::toString);
        assertTrue(h.out().contains("models") && h.out().contains("info"), h::toString);
        Result hi = run("help", "info");
        assertEquals(0, hi.code(), hi::toString);
        assertTrue(hi.out().contains("--img-size"), hi::toString);
    }

    @Test
    void pluginCommandsAreFoundWithServiceLoader() {
        Result ok = run("test-plugin");
        assertEquals(0, ok.code(), ok::toString);
        assertEquals("plugin ran\n", ok.out().replace("\r\n", "\n"));
        assertTrue(run("--help").out().contains("test-plugin"));
    }

    @Test
    void exceptionsMapToExitCodes() {
        Result usage = run("test-plugin", "--throw", "usage");
        assertEquals(2, usage.code(), usage::toString);
        assertEquals(List.of("tokenmix test-plugin: bad value for --throw"), usage.errLines());

        Result failure = run("test-plugin", "--throw", "failure");
        assertEquals(1, failure.code(), failure::toString);
        assertEquals(1, failure.errLines().size(), failure::toString);
        assertTrue(failure.err().contains("error: disk on fire"), failure::toString);

        // An IllegalArgumentException from a library (not from tokenmix's validation) is a failure, not bad input.
        Result library = run("test-plugin", "--throw", "library");
        assertEquals(1, library.code(), library::toString);

        Result verbose = run("-v", "test-plugin", "--throw", "failure");
        assertEquals(1, verbose.code(), verbose::toString);
        assertTrue(verbose.err().contains("\tat "), verbose::toString);
    }
}
