package dev.tokenmix.cli;

import dev.tokenmix.core.io.Safetensors;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.TokenMix;
import dev.tokenmix.models.weights.LoadReport;
import dev.tokenmix.models.weights.ModelFiles;
import dev.tokenmix.models.weights.StateDicts;
import dev.tokenmix.models.weights.WeightLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmix convert IN OUT}: a PyTorch checkpoint (or safetensors file) to safetensors, with the state_dict
 * found and cleaned as timm does. With {@code --model}, the weights are also checked against that model (and
 * passed through its family's key filter), so the output loads into it exactly.
 */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Converts a checkpoint to safetensors: finds the state_dict (state_dict_ema, model_ema, "
                + "state_dict, model, or the top level), strips module./_orig_mod. prefixes, reports what it found."},
        footer = {"", "Examples:", "  tokenmix convert deit_tiny.pth deit_tiny.safetensors",
                "  tokenmix convert --model deit_tiny_patch16_224 checkpoint.pth.tar deit_tiny.safetensors"})
final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "A PyTorch checkpoint (.pth, .pt, .pth.tar) or safetensors file.")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT", description = "The safetensors file to write.")
    Path output;

    @Option(names = {"-m", "--model"}, paramLabel = "NAME",
            description = "Check the weights against this registered model and write them in its keys and shapes.")
    String model;

    @Mixin
    LoadOptions load = new LoadOptions();

    @Override
    public Integer call() throws java.io.IOException {
        PrintWriter out = spec.commandLine().getOut();
        String name = input.getFileName().toString();
        Model m = model == null ? null : TokenMix.createModel(model);
        boolean ema = load.preferEma() && (m == null || m.prefersEmaWeights());
        StateDicts.Found found = StateDicts.find(ModelFiles.readCheckpoint(input), ema, name);
        out.println("found    " + found.tensors().size() + " tensors "
                + (found.foundUnder().isEmpty() ? "at the top level" : "under '" + found.foundUnder() + "'"));
        Map<String, INDArray> tensors = found.tensors();
        if (m != null) {
            LoadReport r = WeightLoader.load(m, found.tensors(), load.strict(), name);
            out.println("checked  against " + model + ": " + r.summary());
            tensors = m.stateDict();
        }
        Safetensors.write(output, tensors, Map.of());
        out.println("wrote    " + output);
        out.flush();
        return TokenMixCli.OK;
    }
}
