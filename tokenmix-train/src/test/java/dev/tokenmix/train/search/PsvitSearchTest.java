package dev.tokenmix.train.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenmix.core.mixers.psvit.PoolingKind;
import dev.tokenmix.models.psvit.PsvitConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PSViT search machinery with a stub evaluator: the compact set, the resumable CSV, the Pareto front, the PNG. */
class PsvitSearchTest {

    private static PsvitConfig base(int depth) {
        return new PsvitConfig(32, 4, 16, 2, 2.0, true, new int[0], PoolingKind.AVG, 2, 2, new boolean[depth], "token",
                1e-6);
    }

    @Test
    void compactSetHasTwentySevenDistinctValidCandidatesIncludingTheRegisteredLayout() {
        List<PsvitCandidate> cs = PsvitSearchSpace.compact().candidates(base(13));
        assertEquals(27, cs.size());
        assertEquals(27, cs.stream().map(PsvitCandidate::name).distinct().count());
        assertEquals(27, cs.stream().map(c -> c.config().layout()).distinct().count());
        PsvitCandidate registered = cs.stream().filter(c -> c.name().equals("pool1-9_share2")).findFirst().orElseThrow();
        assertEquals("A|AsAsAsAs|AsAs", registered.config().layout());
        assertArrayEquals(new int[] {1, 9}, registered.config().poolAt());
        assertThrows(IllegalArgumentException.class, () -> PsvitSearchSpace.compact().candidates(base(4)));
    }

    @Test
    void paretoFrontKeepsOnlyUnbeatenResults() {
        List<SearchResult> rs = List.of(
                new SearchResult("a", "A", 1, 100, 0.50),
                new SearchResult("b", "A", 1, 200, 0.40), // beaten by a: more MACs, lower accuracy
                new SearchResult("c", "A", 1, 300, 0.70),
                new SearchResult("d", "A", 1, 300, 0.60), // beaten by c at equal MACs
                new SearchResult("e", "A", 1, 50, 0.45));
        assertEquals(List.of("e", "a", "c"), ParetoFront.of(rs).stream().map(SearchResult::name).toList());
    }

    @Test
    void aSearchResumesFromItsCsvAndDrawsTheFront(@TempDir Path dir) throws IOException {
        PsvitSearchSpace space = new PsvitSearchSpace(new int[] {1, 2}, new int[] {3}, new int[] {1, 2});
        List<String> evaluated = new ArrayList<>();
        // stub: the accuracy is a fixed function of the layout, so every run sees the same numbers
        CandidateEvaluator stub = (c, seed) -> {
            evaluated.add(c.name());
            return 0.3 + 0.05 * c.config().layout().indexOf('|') + 0.01 * c.config().layout().chars().filter(ch -> ch == 'A').count();
        };
        SearchCsv csv = new SearchCsv(dir.resolve("out/psvit.csv"));
        Path png = dir.resolve("out/psvit.png");
        PsvitSearch search = new PsvitSearch(base(7), space, stub, 5);

        PsvitSearch.Outcome first = search.run(csv, png, 3, 5);
        assertEquals(3, first.added().size());
        assertEquals(3, evaluated.size());
        List<String> lines = Files.readAllLines(csv.file(), StandardCharsets.UTF_8);
        assertEquals(SearchCsv.HEADER, lines.get(0));
        assertEquals(4, lines.size());

        PsvitSearch.Outcome second = search.run(csv, png, 10, 5);
        assertEquals(1, second.added().size(), "only the candidate not yet in the CSV");
        assertEquals(4, new HashSet<>(evaluated).size());
        assertEquals(4, evaluated.size(), "no candidate evaluated twice");
        assertEquals(4, csv.read().size());
        assertEquals(second.all().size(), csv.read().size());

        // sharing removes q/k projections and score products: fewer parameters and MACs at equal pooling
        Map<String, SearchResult> byName = csv.read().stream().collect(Collectors.toMap(SearchResult::name, r -> r));
        for (String pools : new String[] {"pool1-4", "pool2-5"}) {
            SearchResult none = byName.get(pools + "_share1");
            SearchResult pairs = byName.get(pools + "_share2");
            assertTrue(pairs.params() < none.params() && pairs.macs() < none.macs(), pools + ": " + none + " vs " + pairs);
        }
        Set<String> front = second.front().stream().map(SearchResult::name).collect(Collectors.toSet());
        assertTrue(!front.isEmpty() && byName.keySet().containsAll(front));

        byte[] head = new byte[8];
        try (var in = Files.newInputStream(png)) {
            assertEquals(8, in.read(head));
        }
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, head, "a PNG file");
    }

    @Test
    void aMalformedRowIsNamedWithItsLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.csv");
        Files.writeString(f, SearchCsv.HEADER + "\npool1-4_share1,A|A,12,34,0.5\npool2,oops\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SearchCsv(f).read());
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
    }
}
