package dev.tokenmix.core.params;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How a stored array relates to the PyTorch tensor of the same key. The store keeps arrays in the layout
 * the graph uses; checkpoint readers and writers convert once, at load or save time.
 */
public enum Layout {
    /** Same shape and element order as PyTorch. */
    TORCH,
    /**
     * A convolution weight: PyTorch {@code [O, I/groups, kH, kW]} is stored as ND4J's default
     * {@code [kH, kW, I/groups, O]} (the OIYX layout breaks conv2d's backward pass in ND4J 1.0.0-M2.1).
     */
    CONV_YXIO,
    /**
     * A depthwise convolution weight: PyTorch {@code [C*m, 1, kH, kW]} (output channel {@code c*m + j} reads
     * input channel c) is stored as ND4J's depthwise layout {@code [kH, kW, C, m]}. The PyTorch shape does not
     * tell C from m, so conversion from PyTorch needs the stored shape.
     */
    DEPTHWISE_YXCM;

    /**
     * Converts a PyTorch-layout array into this layout. Not for {@link #DEPTHWISE_YXCM}, whose channel count
     * and multiplier the PyTorch shape does not determine: use {@link #fromTorch(INDArray, long[])}.
     */
    public INDArray fromTorch(INDArray torch) {
        if (this == DEPTHWISE_YXCM) {
            throw new IllegalArgumentException("a depthwise weight " + Arrays.toString(torch.shape())
                    + " needs its stored shape [kH, kW, C, m]: use fromTorch(torch, storedShape)");
        }
        return fromTorch(torch, storedShape(torch.shape()));
    }

    /** Converts a PyTorch-layout array into this layout, whose shape must come out as {@code storedShape}. */
    public INDArray fromTorch(INDArray torch, long[] storedShape) {
        long[] s = torch.shape();
        INDArray out;
        switch (this) {
            case CONV_YXIO:
                out = torch.permute(2, 3, 1, 0).dup('c');
                break;
            case DEPTHWISE_YXCM: {
                // [C*m, 1, kH, kW] -> [C, m, kH, kW] -> [kH, kW, C, m]; the old code reshaped to [C*m, 1, kH, kW]
                // and so stored a multiplier-m weight as [kH, kW, C*m, 1], which the depthwise op rejects.
                if (s.length != 4 || s[1] != 1 || storedShape.length != 4 || storedShape[2] * storedShape[3] != s[0]) {
                    throw new IllegalArgumentException("depthwise weight " + Arrays.toString(s)
                            + " cannot be stored as " + Arrays.toString(storedShape));
                }
                out = torch.reshape('c', storedShape[2], storedShape[3], s[2], s[3]).permute(2, 3, 0, 1).dup('c');
                break;
            }
            default:
                out = torch.dup('c');
        }
        if (!Arrays.equals(out.shape(), storedShape)) {
            throw new IllegalArgumentException(this + ": PyTorch shape " + Arrays.toString(s) + " gives "
                    + Arrays.toString(out.shape()) + ", not " + Arrays.toString(storedShape));
        }
        return out;
    }

    /** Converts an array in this layout back to PyTorch's layout with shape {@code torchShape}. */
    public INDArray toTorch(INDArray stored, long[] torchShape) {
        switch (this) {
            case CONV_YXIO:
                return stored.permute(3, 2, 0, 1).dup('c');
            case DEPTHWISE_YXCM:
                // [kH, kW, C, m] -> [C, m, kH, kW] -> [C*m, 1, kH, kW]
                return stored.permute(2, 3, 0, 1).dup('c').reshape('c', torchShape);
            default:
                return stored.dup('c');
        }
    }

    /**
     * The stored shape of a PyTorch shape for the layouts where it is determined (all but
     * {@link #DEPTHWISE_YXCM}, where it is {@code [kH, kW, C, m]} for a given C).
     */
    private long[] storedShape(long[] torchShape) {
        if (this == CONV_YXIO) {
            return new long[] {torchShape[2], torchShape[3], torchShape[1], torchShape[0]};
        }
        return torchShape.clone();
    }
}
