package dev.tokenmix.core.engine;

/**
 * A BatchNorm of a training graph: the names of the batch statistics it computes and the buffers its running
 * statistics live in, so a training step can update them after the step with PyTorch's rule
 * {@code running = (1 - momentum) * running + momentum * batch}, with the unbiased variance.
 *
 * @param runningMeanKey store key of {@code running_mean}
 * @param runningVarKey store key of {@code running_var}
 * @param batchMeanName graph variable holding the batch mean {@code [C]}
 * @param batchVarName graph variable holding the biased batch variance {@code [C]}
 * @param elementsPerChannelPerSample how many values per channel one sample contributes (H*W for NCHW)
 * @param momentum PyTorch's momentum (0.1 by default)
 */
public record BatchStat(String runningMeanKey, String runningVarKey, String batchMeanName, String batchVarName,
                        long elementsPerChannelPerSample, double momentum) {
}
