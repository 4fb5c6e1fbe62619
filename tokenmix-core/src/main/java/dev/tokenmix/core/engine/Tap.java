package dev.tokenmix.core.engine;

/**
 * A named internal activation marked while a graph was built ({@link Ops#tap}), so that a caller can evaluate it
 * next to the graph's regular outputs, e.g. the cluster assignments of PaCa-ViT or the slot logits of GLMix for
 * visualisation. Marking changes nothing in the graph: it only remembers the tensor.
 *
 * <p>Names say what the activation is and are shared by every module that produces the same kind of activation
 * (each producer documents its name as a constant, e.g. {@code Clustering.ASSIGNMENT_TAP}); the path says which
 * module produced it.
 *
 * @param name what the activation is, e.g. {@code paca.assignment}
 * @param path the dotted path (parameter-key prefix) of the module that produced it, empty at the top level
 * @param tensor the activation
 */
public record Tap(String name, String path, Tensor tensor) {
}
