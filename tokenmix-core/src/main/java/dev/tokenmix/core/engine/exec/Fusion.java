package dev.tokenmix.core.engine.exec;

import java.util.ArrayList;
import java.util.List;

/**
 * What a facade op computed as a whole, recorded next to the SameDiff ops that spell it out, so that
 * {@link PlanExecutor} can run it as one pass over memory instead of the several element-wise ops SameDiff needs.
 *
 * <p>Each fusion names SameDiff variables: the inputs it reads and (as the key it is recorded under) the output it
 * replaces. The executor uses a fusion only when the output is float; an input that is not a dense row-major array
 * (a parameter kept as a permuted view of PyTorch's layout) is copied into a dense one before every run.
 */
public sealed interface Fusion {

    /** The variables the fused computation reads, never null entries. */
    List<String> inputs();

    /**
     * Whether the fusion still saves work in a graph that also computes gradients. The backward ops of GELU,
     * LayerNorm and a linear layer's bias read the intermediate values of the ops a fusion stands for, so those ops
     * run anyway and the fused pass would only repeat them; a 1x1 convolution's backward reads only its inputs.
     *
     * @return true if a gradient graph should use it
     */
    default boolean savesWorkWithGradients() {
        return false;
    }

    /**
     * Exact GELU, {@code 0.5 x (1 + erf(x / sqrt 2))} of {@code x}.
     *
     * @param x the input variable
     */
    record Gelu(String x) implements Fusion {
        @Override
        public List<String> inputs() {
            return List.of(x);
        }
    }

    /**
     * LayerNorm over one axis, {@code (x - mean) / sqrt(var + eps) * weight + bias}: the last axis (tokens), or
     * the channels of NCHW (axis 1, the channels-first LayerNorm2d).
     *
     * @param x the input variable
     * @param weight the {@code [C]} scale, or null
     * @param bias the {@code [C]} shift, or null
     * @param eps the epsilon added to the variance
     * @param axis the normalised axis, non-negative
     */
    record LayerNorm(String x, String weight, String bias, double eps, int axis) implements Fusion {
        @Override
        public List<String> inputs() {
            List<String> in = new ArrayList<>();
            in.add(x);
            if (weight != null) {
                in.add(weight);
            }
            if (bias != null) {
                in.add(bias);
            }
            return in;
        }
    }

    /**
     * A fully connected layer on rows, {@code x W^T + b}: {@code x} is {@code [rows, in]}, the weight PyTorch's
     * {@code [out, in]}, the bias {@code [out]}.
     *
     * @param x the input variable
     * @param weight the weight
     * @param bias the bias, or null
     */
    record Linear(String x, String weight, String bias) implements Fusion {
        @Override
        public List<String> inputs() {
            return bias == null ? List.of(x, weight) : List.of(x, weight, bias);
        }
    }

    /**
     * A 1x1 convolution with stride 1 and no padding of NCHW {@code x}, weight {@code [1, 1, C, O]}, bias
     * {@code [O]}: per sample, the product {@code W^T x} of {@code [O, C]} by {@code [C, H*W]}.
     *
     * @param x the input variable
     * @param weight the weight
     * @param bias the bias, or null
     */
    record Pointwise(String x, String weight, String bias) implements Fusion {
        @Override
        public List<String> inputs() {
            return bias == null ? List.of(x, weight) : List.of(x, weight, bias);
        }

        @Override
        public boolean savesWorkWithGradients() {
            return true;
        }
    }
}
