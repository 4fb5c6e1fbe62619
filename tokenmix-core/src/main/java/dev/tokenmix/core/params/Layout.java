package dev.tokenmix.core.params;

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
     * A depthwise convolution weight: PyTorch {@code [C*m, 1, kH, kW]} is stored as ND4J's depthwise layout
     * {@code [kH, kW, C, m]}.
     */
    DEPTHWISE_YXCM;

    /** Converts a PyTorch-layout array (shape {@code torchShape}) into this layout. */
    public org.nd4j.linalg.api.ndarray.INDArray fromTorch(org.nd4j.linalg.api.ndarray.INDArray torch) {
        switch (this) {
            case CONV_YXIO:
                return torch.permute(2, 3, 1, 0).dup('c');
            case DEPTHWISE_YXCM: {
                long[] s = torch.shape();
                long c = s[0];
                return torch.reshape('c', c, 1, s[2], s[3]).permute(2, 3, 0, 1).dup('c');
            }
            default:
                return torch.dup('c');
        }
    }

    /** Converts an array in this layout back to PyTorch's layout with shape {@code torchShape}. */
    public org.nd4j.linalg.api.ndarray.INDArray toTorch(org.nd4j.linalg.api.ndarray.INDArray stored, long[] torchShape) {
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
}
