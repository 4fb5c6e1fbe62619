package dev.tokenmix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.train.search.SearchCsv;
import dev.tokenmix.train.search.SearchResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code search psvit} end to end on a tiny proxy: one candidate per run, the second run resumes (about a minute:
 * tag "search", run with {@code -Psearch}); a base that is not a PSViT is bad input.
 */
class SearchCommandTest {
    @TempDir
    Path tmp;

    private static final String[] TINY = {"search", "psvit", "--img-size", "32", "--synth-classes", "2",
        "--synth-per-class", "4", "--epochs", "1", "-b", "4", "--budget", "1", "--seed", "3", "--first-pools", "1",
        "--gaps", "8", "--groups", "1,2"};

    private String[] args(String... more) {
        String[] out = java.util.Arrays.copyOf(TINY, TINY.length + more.length + 2);
        System.arraycopy(more, 0, out, TINY.length, more.length);
        out[out.length - 2] = "--output";
        out[out.length - 1] = tmp.resolve("s").toString();
        return out;
    }

    @Test
    @Tag("search")
    void trainsOneCandidatePerRunAndResumes() throws Exception {
        CliTest.Result first = CliTest.run(args());
        assertEquals(0, first.code(), first::toString);
        assertTrue(first.out().contains("1 of 2 candidates evaluated (1 in this run)"), first::toString);
        CliTest.Result second = CliTest.run(args());
        assertEquals(0, second.code(), second::toString);
        assertTrue(second.out().contains("2 of 2 candidates evaluated (1 in this run)"), second::toString);
        List<SearchResult> rows = new SearchCsv(tmp.resolve("s/psvit_search.csv")).read();
        assertEquals(List.of("pool1-9_share1", "pool1-9_share2"), rows.stream().map(SearchResult::name).sorted().toList());
        for (SearchResult r : rows) {
            assertTrue(r.accuracy() >= 0 && r.accuracy() <= 1 && r.macs() > 0, r::toString);
        }
        assertTrue(Files.size(tmp.resolve("s/psvit_search.png")) > 0);
        assertTrue(Files.isRegularFile(tmp.resolve("s/runs/pool1-9_share2/summary.csv")));
    }

    @Test
    void aBaseThatIsNotPsvitIsBadInput() {
        CliTest.Result r = CliTest.run(args("--base", "vit_test"));
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().contains("not a PSViT variant"), r::toString);
    }
}
