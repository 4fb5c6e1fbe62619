package dev.tokenmix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.train.loop.Summary;
import dev.tokenmix.train.loop.TrainArgs;
import dev.tokenmix.train.loop.TrainRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny train run through the command line, its files, validate on its weights, and a diverging run (exit 1). */
class TrainCommandRunTest {
    @TempDir
    Path tmp;

    private static final String[] TINY = {"--model", "vit_test", "--dataset", "synthetic-shapes", "--synth-classes",
        "3", "--synth-per-class", "8", "--img-size", "16", "-b", "8", "--seed", "5"};

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void trainWritesTheRunFolderAndValidatePrintsTimmsCsv() throws Exception {
        Path run = tmp.resolve("run");
        Path cfg = Files.writeString(tmp.resolve("cfg.yaml"), "epochs: 2\nlr: 0.002\nweight_decay: 0.01\n");
        CliTest.Result r = CliTest.run(concat(concat(new String[] {"train"}, TINY), "--config", cfg.toString(),
                "--weight-decay", "0.03", "--output", run.toString()));
        assertEquals(0, r.code(), r::toString);
        for (String f : List.of("args.yaml", "summary.csv", "last.safetensors", "curves.png", "best/model.safetensors")) {
            assertTrue(Files.isRegularFile(run.resolve(f)), f);
        }
        assertEquals(Summary.HEADER, Files.readAllLines(run.resolve("summary.csv")).get(0));
        assertEquals(2, Summary.read(run.resolve("summary.csv")).size());
        TrainArgs saved = TrainRun.readArgs(run.resolve("args.yaml"));
        assertEquals(0.002, saved.lr, 0.0, "from the config");
        assertEquals(0.03, saved.weightDecay, 0.0, "the flag overrides the config");
        assertEquals(2, saved.epochs);

        CliTest.Result v = CliTest.run("validate", "--model", "vit_test", "--weights", run.resolve("best/model.safetensors").toString(),
                "--dataset", "synthetic-shapes", "--seed", "5", "--synth-classes", "3", "--synth-per-class", "8");
        assertEquals(0, v.code(), v::toString);
        List<String> lines = v.out().lines().toList();
        assertEquals("model,top1,top1_err,top5,top5_err,param_count,img_size,crop_pct,interpolation", lines.get(0));
        String[] f = lines.get(1).split(",");
        assertEquals("vit_test", f[0]);
        assertEquals(100.0, Double.parseDouble(f[1]) + Double.parseDouble(f[2]), 1e-6);
        assertEquals("16", f[6]);
    }

    @Test
    void aDivergingRunExitsOneNamingEpochAndStep() {
        CliTest.Result r = CliTest.run(concat(concat(new String[] {"train"}, TINY), "--epochs", "1", "--opt",
                "momentum", "--lr", "1e30", "--warmup-epochs", "0", "--output", tmp.resolve("nan").toString()));
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.err().contains("epoch 1, step"), r::toString);
    }
}
