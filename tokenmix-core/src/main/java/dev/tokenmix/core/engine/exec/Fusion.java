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
     * The variables the fused computation writes: by default only the one it is recorded under. A backward fusion
     * writes several gradients and is recorded under each of them.
     *
     * @param key the variable it is recorded under
     * @return the variables, never null entries
     */
    default List<String> outputs(String key) {
        return List.of(key);
    }

    /**
     * Whether the fusion saves work in any graph that also computes gradients. SameDiff's backward ops of GELU,
     * LayerNorm and a linear layer's bias read the intermediate values of the ops a fusion stands for, so those ops
     * run anyway and the fused pass would only repeat them; a 1x1 convolution's backward reads only its inputs.
     * GELU and LayerNorm are fused in a gradient graph together with their backward ({@link GradientFusions}).
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
     * The backward of {@link Gelu} in a gradient graph: {@code dx = dy (Phi(x) + x phi(x))}. It stands for every op
     * that SameDiff's differentiation wrote between the gradient of the GELU's output and that of its input, so
     * {@link GradientFusions} records it only where nothing else reads the GELU's intermediate values.
     *
     * @param x the GELU's input
     * @param dy the gradient of its output
     * @param dx the gradient of its input, written
     */
    record GeluBackward(String x, String dy, String dx) implements Fusion {
        @Override
        public List<String> inputs() {
            return List.of(x, dy);
        }

        @Override
        public List<String> outputs(String key) {
            return List.of(dx);
        }
    }

    /**
     * The backward of {@link LayerNorm} in a gradient graph, recorded (by {@link GradientFusions}) under each
     * gradient it writes.
     *
     * @param x the LayerNorm's input
     * @param weight its scale, or null
     * @param eps the epsilon added to the variance
     * @param axis the normalised axis, non-negative
     * @param dy the gradient of its output
     * @param dx the gradient of its input, written
     * @param dWeight the gradient of the scale, written; null if there is none to write
     * @param dBias the gradient of the shift, written; null if there is none to write
     */
    record LayerNormBackward(String x, String weight, double eps, int axis, String dy, String dx, String dWeight,
                             String dBias) implements Fusion {
        @Override
        public List<String> inputs() {
            return weight == null ? List.of(x, dy) : List.of(x, weight, dy);
        }

        @Override
        public List<String> outputs(String key) {
            List<String> out = new ArrayList<>();
            out.add(dx);
            if (dWeight != null) {
                out.add(dWeight);
            }
            if (dBias != null) {
                out.add(dBias);
            }
            return out;
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
     * A fully connected layer on rows: {@code x} is {@code [rows, in]}, the bias {@code [out]}, and the weight
     * either PyTorch's {@code [out, in]} ({@code x W^T + b}) or {@code [in, out]} ({@code x W + b}, a 1x1
     * convolution's weight on channels-last input).
     *
     * @param x the input variable
     * @param weight the weight
     * @param bias the bias, or null
     * @param outIn whether the weight is {@code [out, in]}
     */
    record Linear(String x, String weight, String bias, boolean outIn) implements Fusion {
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
