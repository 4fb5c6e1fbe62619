package dev.tokenmix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train, validate and demo refuse bad input with exit status 2 and one line that says what to fix. */
class TrainCommandsBadInputTest {
    @TempDir
    Path tmp;

    private CliTest.Result train(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--output", tmp.resolve("run").toString()));
        args.addAll(List.of(extra));
        return CliTest.run(args.toArray(new String[0]));
    }

    private static void assertUsage(CliTest.Result r, String mention) {
        assertEquals(2, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains(mention), () -> "expected '" + mention + "' in: " + r);
    }

    @Test
    void missingDataFolder() {
        assertUsage(train("--model", "vit_test", "--data", tmp.resolve("nope").toString()), "does not exist");
    }

    @Test
    void emptyDataFolder() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertUsage(train("--model", "vit_test", "--data", empty.toString()), empty.toString());
    }

    @Test
    void noDataAtAll() {
        assertUsage(train("--model", "vit_test"), "--data");
    }

    @Test
    void unknownModel() {
        assertUsage(train("--model", "vit_nope", "--dataset", "synthetic-shapes"), "vit_nope");
    }

    @Test
    void imageSizeTheModelCannotTake() {
        assertUsage(train("--model", "vit_test", "--dataset", "synthetic-shapes", "--img-size", "30",
                "--synth-per-class", "2"), "30");
    }

    @Test
    void unreadableConfig() throws Exception {
        Path cfg = Files.writeString(tmp.resolve("bad.yaml"), "lr: [unclosed\n  - : :\n");
        assertUsage(train("--model", "vit_test", "--dataset", "synthetic-shapes", "--config", cfg.toString()),
                "bad.yaml");
    }

    @Test
    void configWithAnUnknownKey() throws Exception {
        Path cfg = Files.writeString(tmp.resolve("typo.yaml"), "learning_rate: 0.1\n");
        assertUsage(train("--model", "vit_test", "--dataset", "synthetic-shapes", "--config", cfg.toString()),
                "learning_rate");
    }

    @Test
    void missingConfig() {
        assertUsage(train("--model", "vit_test", "--dataset", "synthetic-shapes", "--config",
                tmp.resolve("none.yaml").toString()), "none.yaml");
    }

    @Test
    void ampIsRefused() {
        assertUsage(train("--model", "vit_test", "--dataset", "synthetic-shapes", "--amp"), "--amp");
    }

    @Test
    void resumeWithoutACheckpoint() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("fresh"));
        assertUsage(CliTest.run("train", "--resume", dir.toString(), "--model", "vit_test", "--dataset",
                "synthetic-shapes", "--synth-per-class", "2"), "checkpoint");
    }

    @Test
    void validateWithMissingWeights() {
        assertUsage(CliTest.run("validate", "--model", "vit_test", "--weights", tmp.resolve("w.safetensors").toString(),
                "--dataset", "synthetic-shapes"), "w.safetensors");
    }

    @Test
    void validateWithAnEmptyDataFolder() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path w = Files.writeString(tmp.resolve("w.safetensors"), "x");
        assertUsage(CliTest.run("validate", "--model", "vit_test", "--weights", w.toString(), "--data",
                empty.toString()), empty.toString());
    }

    @Test
    void demoIntoAForeignFolder() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("mine"));
        Files.writeString(dir.resolve("keep.txt"), "mine");
        assertUsage(CliTest.run("demo", "--output", dir.toString()), "not a demo run folder");
        assertTrue(Files.exists(dir.resolve("keep.txt")));
    }
}
