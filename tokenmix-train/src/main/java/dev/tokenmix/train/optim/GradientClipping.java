package dev.tokenmix.train.optim;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Clipping by global norm, as PyTorch's {@code clip_grad_norm_} (timm's {@code --clip-grad} with the default
 * {@code norm} mode): the 2-norm of all gradients together is computed and, when it exceeds {@code maxNorm}, every
 * gradient is scaled by {@code maxNorm / (norm + 1e-6)}. Use it between accumulating the gradients and the
 * optimizer step.
 */
public final class GradientClipping {
    private GradientClipping() {
    }

    /** The 2-norm of all {@code gradients} as one vector. */
    public static double globalNorm(Map<String, INDArray> gradients) {
        double sq = 0;
        for (INDArray g : gradients.values()) {
            double n = g.norm2Number().doubleValue();
            sq += n * n;
        }
        return Math.sqrt(sq);
    }

    /**
     * Scales {@code gradients} in place so that their global norm is at most {@code maxNorm}.
     *
     * @return the global norm before clipping (NaN or infinite if a gradient is)
     */
    public static double clipGlobalNorm(Map<String, INDArray> gradients, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("the clipping norm must be > 0, got " + maxNorm);
        }
        double norm = globalNorm(gradients);
        double scale = maxNorm / (norm + 1e-6);
        if (scale < 1.0) {
            for (INDArray g : gradients.values()) {
                g.muli(scale);
            }
        }
        return norm;
    }
}
