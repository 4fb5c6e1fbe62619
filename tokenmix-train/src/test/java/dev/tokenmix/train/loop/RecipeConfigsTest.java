package dev.tokenmix.train.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The papers' recipes under configs/ load as settings and pass validation. */
class RecipeConfigsTest {

    @Test
    void everyRecipeLoadsAndValidates() throws Exception {
        Path dir = Path.of("..", "configs");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertEquals(3, files.size(), files::toString);
        for (Path f : files) {
            TrainArgs a = TrainRun.readArgs(f);
            a.validate();
            assertEquals(300, a.epochs, f.toString());
            assertTrue(a.batchSize * a.gradAccumSteps >= 1024, f.toString());
        }
    }
}
