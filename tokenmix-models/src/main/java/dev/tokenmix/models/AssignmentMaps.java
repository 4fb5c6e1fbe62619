package dev.tokenmix.models;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model whose token mixers assign grid positions to a few groups (PaCa-ViT's clusters, GLMix's slots) and can
 * show these assignments: {@code tokenmix visualize} draws every model that implements it. Implementations read
 * the activations their primitives mark ({@link Model#activations}), so showing them costs no second graph.
 */
public interface AssignmentMaps {

    /**
     * The assignment of every stage that has one, in stage order (the last one made in the stage when several
     * blocks make one), in eval mode.
     *
     * @param images NCHW images, normalised as the model expects
     * @return one map per stage that has one
     */
    List<AssignmentMap> assignmentMaps(INDArray images);
}
