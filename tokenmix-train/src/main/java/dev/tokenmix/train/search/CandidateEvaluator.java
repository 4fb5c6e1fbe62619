package dev.tokenmix.train.search;

/**
 * Scores one search candidate: typically trains it briefly on a proxy dataset and returns its validation top-1.
 * The search only needs the number; how it is obtained (epochs, dataset, augmentation) is the evaluator's.
 */
@FunctionalInterface
public interface CandidateEvaluator {
    /**
     * @param candidate the configuration to score
     * @param seed the search's seed, for the candidate's initial weights and data order
     * @return accuracy in [0, 1]
     */
    double evaluate(PsvitCandidate candidate, long seed);
}
