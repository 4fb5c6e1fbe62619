package dev.tokenmix.cli;

import picocli.CommandLine.Option;

/** How a checkpoint is loaded: strictness and EMA preference, shared by the commands that read weights. */
final class LoadOptions {
    @Option(names = "--no-strict", description = "Accept missing and unexpected keys in the weights (reported).")
    boolean relaxed;

    @Option(names = "--no-ema", description = "Prefer the non-EMA weights of a checkpoint that has both "
            + "(by default the model's official choice: EMA, except GLNet variants other than glnet_16g).")
    boolean noEma;

    boolean strict() {
        return !relaxed;
    }

    boolean preferEma() {
        return !noEma;
    }
}
