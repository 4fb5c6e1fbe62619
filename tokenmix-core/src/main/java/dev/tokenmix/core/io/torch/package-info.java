/**
 * Reading PyTorch checkpoints ({@code .pth}, {@code .pt}, {@code .pth.tar}) in pure Java, safely.
 *
 * <p>{@link dev.tokenmix.core.io.torch.TorchCheckpoint#read(java.nio.file.Path)} returns what {@code torch.load}
 * would: maps, lists, numbers, strings and tensors as {@link org.nd4j.linalg.api.ndarray.INDArray}s in PyTorch
 * layout, for the zip format of torch 1.6+ and the legacy format before it. Its pickle reader knows an allowlist of
 * tensor-rebuilding functions, containers and a few harmless classes (kept as
 * {@link dev.tokenmix.core.io.torch.InertObject}s) and refuses every other global with an
 * {@link dev.tokenmix.core.io.torch.UnsafePickleException} the moment the file names it, so a weights file can
 * never run code. Every other problem is a {@link dev.tokenmix.core.io.WeightsFormatException} with a one-line
 * message.
 */
package dev.tokenmix.core.io.torch;
