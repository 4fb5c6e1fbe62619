package dev.tokenmix.train.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.train.checkpoint.TrainCheckpoint;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run killed with SIGKILL in the middle resumes and ends with the same weights, EMA, optimizer state and summary,
 * byte for byte, as a run that was never interrupted. The killed run is a child JVM (the command line on the test
 * class path); dropout, DropPath, EMA, mixup, random erasing, accumulation and clipping are all on, so that every
 * source of randomness and every piece of state has to come back. Tagged {@code resume} (a second JVM and three
 * short runs): {@code mvn -Presume test -pl tokenmix-train -am -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("resume")
class ExactResumeTest {
    private static final int EPOCHS = 4;

    static List<String> trainFlags(Path out) {
        return List.of("train", "--model", "vit_test", "--dataset", "synthetic-shapes", "--synth-classes", "3",
                "--synth-per-class", "8", "--img-size", "16", "-b", "8", "--epochs", String.valueOf(EPOCHS),
                "--drop-path", "0.1", "--drop", "0.1", "--model-ema", "--model-ema-decay", "0.9",
                "--grad-accum-steps", "2", "--clip-grad", "1.0", "--mixup", "0.2", "--reprob", "0.25",
                "--workers", "2", "--seed", "7", "--warmup-epochs", "1", "--output", out.toString());
    }

    @Test
    void sigkillMidRunThenResumeEndsBitIdentical(@TempDir Path tmp) throws Exception {
        Path killed = tmp.resolve("killed");
        Path straight = tmp.resolve("straight");

        Process child = new ProcessBuilder(childCommand(trainFlags(killed)))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        Path checkpoint = killed.resolve(TrainCheckpoint.FILE);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (child.isAlive() && !Files.exists(checkpoint) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        child.destroyForcibly().waitFor();
        assertTrue(Files.exists(checkpoint), () -> "the child wrote no checkpoint before it ended; log:\n"
                + readQuietly(tmp.resolve("child.log")));
        int done = TrainCheckpoint.position(checkpoint).epochsDone();
        assertTrue(done >= 1 && done < EPOCHS, "the child should die mid-run, but it had finished " + done
                + " epochs; log:\n" + Files.readString(tmp.resolve("child.log")));

        TrainRun.run(TrainRun.readArgs(killed.resolve(TrainRun.ARGS)), killed);
        TrainArgs a = TrainRun.readArgs(killed.resolve(TrainRun.ARGS));
        a.output = straight.toString();
        TrainRun.run(a, null);

        assertArrayEquals(Files.readAllBytes(straight.resolve(TrainCheckpoint.FILE)),
                Files.readAllBytes(killed.resolve(TrainCheckpoint.FILE)),
                "weights, EMA, optimizer state and position must be identical");
        List<Summary.Row> rows = Summary.read(killed.resolve(Summary.FILE));
        assertEquals(EPOCHS, rows.size());
        for (int e = 0; e < EPOCHS; e++) {
            assertEquals(e + 1, rows.get(e).epoch());
        }
        assertEquals(Files.readString(straight.resolve(Summary.FILE)), Files.readString(killed.resolve(Summary.FILE)));
    }

    /** {@code java} with this JVM's memory settings and class path, running the command line. */
    static List<String> childCommand(List<String> cliArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-Xmx") || arg.startsWith("-Dorg.bytedeco")) {
                cmd.add(arg);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.tokenmix.cli.TokenMixCli");
        cmd.addAll(cliArgs);
        return cmd;
    }

    private static String readQuietly(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
