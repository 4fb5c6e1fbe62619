package dev.tokenmix.train.search;

import dev.tokenmix.models.InputConfig;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.PaperStats;
import dev.tokenmix.models.Variant;
import dev.tokenmix.models.psvit.Psvit;
import dev.tokenmix.models.psvit.PsvitConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * PSViT's configuration search (<a href="https://arxiv.org/abs/2108.03428">arXiv 2108.03428</a>: "the number of
 * tokens in each layer and the choices of layers sharing attention can be treated as hyper-parameters that are
 * learned from data"): every candidate of a {@link PsvitSearchSpace} is scored by a {@link CandidateEvaluator},
 * its parameters and MACs counted on the built model, and the row appended to a {@link SearchCsv}; candidates
 * already in the CSV are skipped, so a search resumes where it stopped. The chart of accuracy against MACs with the
 * Pareto front is redrawn from the whole CSV at the end.
 *
 * <pre>{@code
 * PsvitSearch.Outcome o = new PsvitSearch(base, PsvitSearchSpace.compact(), evaluator, 5)
 *         .run(new SearchCsv(Path.of("search/psvit.csv")), Path.of("search/psvit.png"), 10, 0);
 * }</pre>
 */
public final class PsvitSearch {
    private final PsvitConfig base;
    private final PsvitSearchSpace space;
    private final CandidateEvaluator evaluator;
    private final int numClasses;

    /** What a run did: the rows it added, all rows now in the CSV, and the Pareto front of those. */
    public record Outcome(List<SearchResult> added, List<SearchResult> all, List<SearchResult> front) {
    }

    /**
     * @param numClasses classifier outputs of the counted models (the proxy dataset's classes), which enter their
     *     parameters and MACs
     */
    public PsvitSearch(PsvitConfig base, PsvitSearchSpace space, CandidateEvaluator evaluator, int numClasses) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        }
        this.base = base;
        this.space = space;
        this.evaluator = evaluator;
        this.numClasses = numClasses;
    }

    /**
     * Evaluates up to {@code budget} candidates not yet in {@code csv}, in an order shuffled by {@code seed} (so a
     * small budget samples the whole space), then writes the chart to {@code png} if it is not null.
     *
     * @param budget most candidates to evaluate in this run (0: only redraw the chart)
     * @param seed shuffles the order and is passed to the evaluator
     */
    public Outcome run(SearchCsv csv, Path png, int budget, long seed) throws IOException {
        if (budget < 0) {
            throw new IllegalArgumentException("budget must be >= 0 candidates, got " + budget);
        }
        List<SearchResult> all = new ArrayList<>(csv.read());
        Set<String> done = new HashSet<>();
        all.forEach(r -> done.add(r.name()));
        List<PsvitCandidate> todo = new ArrayList<>();
        for (PsvitCandidate c : space.candidates(base)) {
            if (!done.contains(c.name())) {
                todo.add(c);
            }
        }
        Collections.shuffle(todo, new Random(seed));
        List<SearchResult> added = new ArrayList<>();
        for (PsvitCandidate c : todo.subList(0, Math.min(budget, todo.size()))) {
            double acc = evaluator.evaluate(c, seed);
            if (!(acc >= 0 && acc <= 1)) {
                throw new IllegalStateException("evaluator gave accuracy " + acc + " for " + c.name()
                        + "; it must be in [0, 1]");
            }
            Model m = model(c.config(), numClasses, seed);
            SearchResult r = new SearchResult(c.name(), c.config().layout(), m.parameterCount(), m.macs(), acc);
            csv.append(r);
            added.add(r);
            all.add(r);
        }
        if (png != null && !all.isEmpty()) {
            ParetoChart.write(all, "PSViT search: top-1 vs GMACs", png);
        }
        return new Outcome(added, all, ParetoFront.of(all));
    }

    /** A PSViT of {@code config} with {@code numClasses} outputs (the search's own variant, not a registered one). */
    public static Model model(PsvitConfig config, int numClasses, long seed) {
        Variant v = new Variant("psvit_search", "psvit", config, InputConfig.imagenet(config.imgSize()),
                PaperStats.NONE, Psvit::new);
        return v.create(ModelOptions.builder().numClasses(numClasses).seed(seed).build());
    }
}
