package dev.tokenmix.cli;

import dev.tokenmix.core.io.Npy;
import dev.tokenmix.models.Model;
import dev.tokenmix.train.data.EvalTransform;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmix predict}: eval-mode logits of a model, either for an array ({@code --input-npy}, already
 * normalised, any resolution the model takes) or for image files (resized and cropped per the variant's config,
 * printed as the top classes).
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs a model in eval mode on an .npy array or on images.",
                "With --input-npy X.npy --output-npy Y.npy: X is [N, 3, H, W] float32, normalised; Y gets the "
                        + "[N, classes] float32 logits; the model is built for X's resolution.",
                "With IMAGE...: each image is resized and centre-cropped per the model's config and the top "
                        + "classes are printed with their probabilities."},
        footer = {"", "Examples:", "  tokenmix predict -m deit_tiny_patch16_224 -w deit_tiny.pth cat.jpg dog.png",
                "  tokenmix predict -m deit_tiny_patch16_224 --input-npy x.npy --output-npy y.npy"})
final class PredictCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelSource source;

    @ArgGroup(exclusive = false)
    NpyIo npy;

    static final class NpyIo {
        @Option(names = "--input-npy", required = true, paramLabel = "X.npy", description = "Input [N, 3, H, W] float32.")
        Path input;

        @Option(names = "--output-npy", required = true, paramLabel = "Y.npy", description = "Where to write the logits.")
        Path output;
    }

    @Option(names = "--class-map", paramLabel = "FILE",
            description = "Class names, one per line in class-index order (otherwise class indices are printed).")
    Path classMap;

    @Option(names = "--top", paramLabel = "K", defaultValue = "5", description = "Classes to print per image. Default: 5.")
    int top;

    @Parameters(paramLabel = "IMAGE", arity = "0..*", description = "Image files (JPEG, PNG, BMP, GIF).")
    List<Path> images = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if ((npy == null) == images.isEmpty()) {
            throw new IllegalArgumentException(npy == null ? "give image files, or --input-npy X.npy --output-npy Y.npy"
                    : "give either image files or --input-npy/--output-npy, not both");
        }
        if (top < 1) {
            throw new IllegalArgumentException("--top must be at least 1, got " + top);
        }
        return npy != null ? predictArray(out) : predictImages(out);
    }

    private int predictArray(PrintWriter out) throws IOException {
        INDArray x = Npy.read(npy.input);
        long[] s = x.shape();
        if (s.length != 4 || s[2] != s[3] || s[0] < 1) {
            throw new IllegalArgumentException(npy.input + " is " + Arrays.toString(s)
                    + "; expected a batch of square images [N, C, H, H]");
        }
        Model m = source.open((int) s[2], spec.commandLine().getErr());
        INDArray y = m.forward(x.castTo(DataType.FLOAT));
        Npy.write(npy.output, y.castTo(DataType.FLOAT));
        out.println("wrote " + npy.output + " " + Arrays.toString(y.shape()));
        out.flush();
        return TokenMixCli.OK;
    }

    private int predictImages(PrintWriter out) throws IOException {
        List<String> names = classMap == null ? null : readClassMap(classMap);
        Model m = source.open(null, spec.commandLine().getErr());
        if (names != null && names.size() != m.numClasses()) {
            throw new IllegalArgumentException(classMap + " names " + names.size() + " classes but the model has "
                    + m.numClasses());
        }
        EvalTransform t = new EvalTransform(m.inputConfig(), m.imgSize());
        List<INDArray> batch = new ArrayList<>();
        for (Path p : images) {
            batch.add(t.apply(p));
        }
        INDArray probs = Transforms.softmax(m.forward(Nd4j.concat(0, batch.toArray(new INDArray[0]))), true);
        int k = Math.min(top, (int) probs.size(1));
        for (int i = 0; i < images.size(); i++) {
            out.println(images.get(i) + ":");
            double[] p = probs.getRow(i).toDoubleVector();
            Integer[] order = new Integer[p.length];
            for (int c = 0; c < p.length; c++) {
                order[c] = c;
            }
            Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
            for (int r = 0; r < k; r++) {
                int c = order[r];
                out.println(String.format(Locale.ROOT, "  %d. %-30s %.4f", r + 1,
                        names == null ? "class " + c : names.get(c) + " (" + c + ")", p[c]));
            }
        }
        out.flush();
        return TokenMixCli.OK;
    }

    private static List<String> readClassMap(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("class map " + file + " does not exist");
        }
        List<String> names = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                names.add(line.strip());
            }
        }
        return names;
    }
}
