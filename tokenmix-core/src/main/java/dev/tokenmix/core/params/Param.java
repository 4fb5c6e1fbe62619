package dev.tokenmix.core.params;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One entry of a {@link ParameterStore}: the official state_dict key, the array the graph uses, whether it
 * is trained or a buffer (running statistics, fixed filters), and its PyTorch shape.
 *
 * @param key the state_dict key, e.g. {@code blocks.0.attn.qkv.weight}
 * @param array the live array; graphs read it and optimizers update it in place
 * @param kind trainable parameter or buffer
 * @param layout how {@code array} relates to the PyTorch tensor
 * @param torchShape the tensor's shape in PyTorch
 */
public record Param(String key, INDArray array, Kind kind, Layout layout, long[] torchShape) {

    /** Trainable parameter or non-trainable buffer, as in PyTorch's {@code parameters()} vs {@code buffers()}. */
    public enum Kind {
        PARAMETER,
        BUFFER
    }

    public Param {
        torchShape = torchShape.clone();
    }

    /** Number of elements. */
    public long numel() {
        return array.length();
    }

    public boolean trainable() {
        return kind == Kind.PARAMETER;
    }

    @Override
    public long[] torchShape() {
        return torchShape.clone();
    }

    @Override
    public String toString() {
        return key + " " + Arrays.toString(torchShape) + (kind == Kind.BUFFER ? " (buffer)" : "");
    }
}
