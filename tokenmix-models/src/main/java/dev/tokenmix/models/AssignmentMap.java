package dev.tokenmix.models;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * How one stage of a model distributes its grid positions over a few groups (PaCa-ViT's clusters, GLMix's slots),
 * as soft weights per position, or, for a model without groups, one weight per position ({@link Kind#INTENSITY},
 * STT's super-token attention): what {@code tokenmix visualize} draws.
 *
 * @param stage the stage, 0-based (for STT, the local layer)
 * @param module the path of the module whose assignment this is ({@code stage2.0.attn.clustering},
 *     {@code stages.1.blocks.1}, {@code blocks.0.attn})
 * @param group what a group is called ({@code cluster}, {@code slot}); for an intensity map, what it shows
 *     ({@code super-token attention})
 * @param weights {@code [B, K, H, W]}: for an {@link Kind#ASSIGNMENT}, for every image and grid position a
 *     distribution over the {@code K} groups (non-negative, summing to 1 over axis 1); for an {@link Kind#INTENSITY},
 *     {@code K = 1} and a non-negative weight per position
 * @param kind which of the two the weights are
 */
public record AssignmentMap(int stage, String module, String group, INDArray weights, Kind kind) {

    /** What the weights of a map are. */
    public enum Kind {
        /** A distribution over {@code K} groups at every position: drawn as the colour of the most likely group. */
        ASSIGNMENT,
        /** One non-negative weight per position ({@code K = 1}): drawn as a heat map. */
        INTENSITY
    }

    /**
     * Checks that {@code weights} is a rank-4 {@code [B, K, H, W]} array, with {@code K = 1} for an intensity.
     *
     * @param stage the stage, 0-based
     * @param module the path of the module whose assignment this is
     * @param group what a group is called
     * @param weights {@code [B, K, H, W]}
     * @param kind what the weights are
     */
    public AssignmentMap {
        if (weights.rank() != 4) {
            throw new IllegalArgumentException("assignment weights must be [B, K, H, W], got "
                    + Arrays.toString(weights.shape()));
        }
        if (kind == Kind.INTENSITY && weights.size(1) != 1) {
            throw new IllegalArgumentException("an intensity map must be [B, 1, H, W], got "
                    + Arrays.toString(weights.shape()));
        }
    }

    /**
     * An assignment (a distribution over the groups at every position).
     *
     * @param stage the stage, 0-based
     * @param module the path of the module whose assignment this is
     * @param group what a group is called
     * @param weights {@code [B, K, H, W]}, a distribution over the groups at every position
     */
    public AssignmentMap(int stage, String module, String group, INDArray weights) {
        this(stage, module, group, weights, Kind.ASSIGNMENT);
    }

    /**
     * An intensity map: one non-negative weight per position.
     *
     * @param stage the stage, 0-based
     * @param module the producing module's path
     * @param what what the weights show
     * @param weights {@code [B, 1, H, W]}
     * @return the map
     */
    public static AssignmentMap intensity(int stage, String module, String what, INDArray weights) {
        return new AssignmentMap(stage, module, what, weights, Kind.INTENSITY);
    }

    /**
     * Number of groups {@code K}.
     *
     * @return {@code weights.size(1)}
     */
    public long groups() {
        return weights.size(1);
    }

    /**
     * Grid height {@code H}.
     *
     * @return {@code weights.size(2)}
     */
    public long height() {
        return weights.size(2);
    }

    /**
     * Grid width {@code W}.
     *
     * @return {@code weights.size(3)}
     */
    public long width() {
        return weights.size(3);
    }

    /**
     * The most likely group of every position.
     *
     * @return group indices {@code [B, H, W]}
     */
    public INDArray argmax() {
        return Nd4j.argMax(weights, 1);
    }

    /**
     * Weights from a softmax over the positions, {@code z [B, K, H*W]} (each group a distribution over the
     * positions, as PaCa-ViT's assignment): normalised over the groups per position, {@code z / Σ_k z}, i.e. the
     * posterior of the group given the position under a uniform prior over groups. Row-major positions.
     *
     * @param stage the stage, 0-based
     * @param module the producing module's path
     * @param group what a group is called
     * @param z {@code [B, K, H*W]}, summing to 1 over the positions
     * @param h grid height
     * @param w grid width
     * @return the map, {@code [B, K, H, W]}
     */
    public static AssignmentMap fromPositionSoftmax(int stage, String module, String group, INDArray z, long h, long w) {
        INDArray grid = z.reshape(z.size(0), z.size(1), h, w); // [B, K, H*W] -> [B, K, H, W]
        INDArray total = grid.sum(true, 1); // [B, 1, H, W]
        return new AssignmentMap(stage, module, group, grid.div(total));
    }

    /**
     * Weights from logits {@code [B, K, H*W]} whose softmax over the groups is the assignment (GLMix's dispatching
     * weights). Row-major positions.
     *
     * @param stage the stage, 0-based
     * @param module the producing module's path
     * @param group what a group is called
     * @param logits {@code [B, K, H*W]}
     * @param h grid height
     * @param w grid width
     * @return the map, {@code [B, K, H, W]}
     */
    public static AssignmentMap fromGroupLogits(int stage, String module, String group, INDArray logits, long h, long w) {
        INDArray grid = logits.reshape(logits.size(0), logits.size(1), h, w); // [B, K, H*W] -> [B, K, H, W]
        INDArray e = Transforms.exp(grid.sub(grid.max(true, 1)), false); // max subtracted: no overflow
        return new AssignmentMap(stage, module, group, e.div(e.sum(true, 1)));
    }
}
