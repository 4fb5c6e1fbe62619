package dev.tokenmix.cli;

import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.TokenMix;
import dev.tokenmix.models.weights.LoadReport;
import dev.tokenmix.models.weights.ModelFiles;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options that say which model to run and with which weights, shared by the commands that run models:
 * a registered name or a directory saved by tokenmix, optional checkpoint, strictness and EMA preference.
 */
final class ModelSource {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "NAME|DIR",
            description = "A registered model name (see 'tokenmix models'), or a directory saved by tokenmix.")
    String model;

    @Option(names = {"-w", "--weights"}, paramLabel = "FILE",
            description = "Weights to load: safetensors or a PyTorch checkpoint (.pth, .pt, .pth.tar).")
    Path weights;

    @Mixin
    LoadOptions load = new LoadOptions();

    /** The model, built for {@code imgSize} (null: its default), with the weights loaded if given. */
    Model open(Integer imgSize, PrintWriter log) {
        Path dir = Path.of(model);
        Model m;
        if (!TokenMix.listModels().contains(model) && Files.isDirectory(dir)) {
            if (imgSize != null) {
                throw new IllegalArgumentException("a saved model runs at the resolution it was saved with; "
                        + "create it by name with --weights to run at " + imgSize);
            }
            m = TokenMix.load(dir);
        } else {
            ModelOptions.Builder b = ModelOptions.builder();
            if (imgSize != null) {
                b.imgSize(imgSize);
            }
            m = TokenMix.createModel(model, b.build());
        }
        if (weights != null) {
            LoadReport r = ModelFiles.loadWeights(m, weights, load.strict(), load.preferEma() && m.prefersEmaWeights());
            log.println("weights  " + weights.getFileName() + ": " + r.summary());
        } else if (!Files.isDirectory(dir)) {
            log.println("weights  none given: random initialisation (pass --weights FILE)");
        }
        log.flush();
        return m;
    }
}
