/**
 * PSViT's configuration search: the compact set of pooling/sharing combinations, a pluggable candidate evaluator,
 * a resumable results CSV, and the accuracy-vs-MACs Pareto front drawn with XChart.
 */
package dev.tokenmix.train.search;
