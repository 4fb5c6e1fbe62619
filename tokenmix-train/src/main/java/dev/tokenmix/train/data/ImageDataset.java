package dev.tokenmix.train.data;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A labelled image classification dataset with random access: what timm's {@code ImageDataset} and torchvision's
 * {@code ImageFolder}/{@code CIFAR10} are to a PyTorch training script. Implementations decode on {@link #get}, so
 * a {@link DataLoader} can call it from several threads at once; they must be safe for concurrent reads.
 *
 * <p>Open one with {@link Datasets#open}, or directly with {@link SyntheticShapes}, {@link ImageFolder} or
 * {@link CifarBinary}.
 */
public interface ImageDataset {

    /** Number of samples. */
    int size();

    /** Class names; label {@code k} is {@code classNames().get(k)}. */
    List<String> classNames();

    /** Number of classes. */
    default int numClasses() {
        return classNames().size();
    }

    /** The label of sample {@code i} without decoding its image. */
    int label(int i);

    /**
     * Decodes sample {@code i}.
     *
     * @throws UnreadableImageException when the image cannot be decoded (a loader skips such samples)
     */
    Sample get(int i);

    /** Where sample {@code i} comes from (a file path, {@code cifar10:test#17}), for messages. */
    String describe(int i);

    /** A decoded sample: the image (any type {@link javax.imageio.ImageIO} gives) and its label. */
    record Sample(BufferedImage image, int label) {
    }
}
