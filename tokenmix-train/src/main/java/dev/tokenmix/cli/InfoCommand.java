package dev.tokenmix.cli;

import dev.tokenmix.core.engine.Backend;
import dev.tokenmix.models.InputConfig;
import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.ModelSummary;
import dev.tokenmix.models.PaperStats;
import dev.tokenmix.models.TokenMix;
import dev.tokenmix.models.Variant;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmix info MODEL}: what a model is (config, input, per-module shapes, parameters and MACs, the paper's
 * numbers), then one forward pass on random input to show it runs and on which backend.
 */
@Command(name = "info", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Describes one model: its config, default input, per-module output shapes, parameters and "
                + "MACs, the paper's numbers; then runs one forward pass at batch 1 on random input."},
        footer = {"", "Examples:", "  tokenmix info deit_tiny_patch16_224", "  tokenmix info vit_test --depth 3",
                "  tokenmix info deit_tiny_patch16_224 --img-size 384"})
final class InfoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A registered model name (see 'tokenmix models').")
    String name;

    @Option(names = "--img-size", paramLabel = "N",
            description = "Build the model for an N x N input instead of its default resolution.")
    Integer imgSize;

    @Option(names = "--depth", paramLabel = "D", defaultValue = "2",
            description = "Module nesting levels to list (0: none, 1: top level only). Default: ${DEFAULT-VALUE}.")
    int depth;

    @Override
    public Integer call() {
        if (imgSize != null && imgSize <= 0) {
            throw new IllegalArgumentException("--img-size must be a positive number of pixels, got "
                    + imgSize);
        }
        if (depth < 0) {
            throw new IllegalArgumentException("--depth must be 0 or more, got " + depth);
        }
        PrintWriter out = spec.commandLine().getOut();
        Variant v = TokenMix.variant(name);
        ModelOptions.Builder ob = ModelOptions.builder();
        if (imgSize != null) {
            ob.imgSize(imgSize);
        }
        Model m = v.create(ob.build());
        int size = m.imgSize();

        out.println("model    " + v.name());
        out.println("family   " + v.family());
        out.println("config   " + v.config() + (imgSize != null && imgSize != v.input().size()
                ? " (built for " + size + "x" + size + ")" : ""));
        out.println("input    " + describe(v.input()));
        out.println("classes  " + m.numClasses() + ", features " + m.numFeatures());
        out.flush();

        ModelSummary s = m.summary(size, size);
        if (depth > 0) {
            TextTable t = new TextTable("MODULE", "TYPE", "OUTPUT", ">PARAMS", ">MACS");
            for (ModelSummary.Row r : s.rows()) {
                if (r.depth() < depth) {
                    t.add("  ".repeat(r.depth()) + r.path(), r.type(), r.outputShape(), Format.count(r.params()),
                            Format.count(r.macs()));
                }
            }
            out.println();
            out.println("modules at " + m.inChans() + "x" + size + "x" + size + ", batch 1 (nesting depth < " + depth
                    + "; parameters and MACs include submodules):");
            t.print(out, "  ");
        }
        out.println();
        out.println("params   " + Format.thousands(s.totalParams()) + " (" + Format.count(s.totalParams()) + ")");
        out.println("GMACs    " + gmacs(s.totalMacs()) + " at " + size + "x" + size
                + ", batch 1");
        out.println("paper    " + describe(v.paper()));
        out.flush();

        Nd4j.getRandom().setSeed(0);
        INDArray x = Nd4j.randn(m.options().dataType(), 1, m.inChans(), size, size);
        long t0 = System.nanoTime();
        m.forward(x);
        double first = (System.nanoTime() - t0) / 1e6;
        t0 = System.nanoTime();
        INDArray y = m.forward(x);
        double second = (System.nanoTime() - t0) / 1e6;
        out.println();
        out.println("forward  " + Arrays.toString(x.shape()) + " -> " + Arrays.toString(y.shape()) + String.format(
                Locale.ROOT, " in %.0f ms (random input; the first pass took %.0f ms including building the graph)",
                second, first));
        out.println("backend  " + Backend.current().describe());
        out.flush();
        if (y.dataType() == DataType.FLOAT || y.dataType() == DataType.DOUBLE) {
            if (y.isNaN().any() || y.isInfinite().any()) {
                throw new IllegalStateException("the forward pass of " + v.name() + " produced NaN or infinite values");
            }
        }
        return 0;
    }

    /** Three decimals, or six for models under 0.01 GMACs. */
    private static String gmacs(long macs) {
        double g = macs / 1e9;
        return String.format(Locale.ROOT, g != 0 && g < 0.01 ? "%.6f" : "%.3f", g);
    }

    private static String describe(InputConfig in) {
        return in.channels() + "x" + in.size() + "x" + in.size() + ", mean " + fmt(in.mean()) + ", std " + fmt(in.std())
                + ", crop " + Format.plain(in.cropPct(), 4) + ", " + in.interpolation();
    }

    private static String describe(PaperStats p) {
        if (Double.isNaN(p.paramsM()) && Double.isNaN(p.gmacs()) && Double.isNaN(p.top1())) {
            return "no reported numbers";
        }
        return Format.paper(p.paramsM(), "M", "?") + " params, " + Format.paper(p.gmacs(), "", "?") + " GMACs, "
                + Format.paper(p.top1(), "%", "?") + " top-1" + (p.source().isEmpty() ? "" : " (" + p.source() + ")");
    }

    private static String fmt(double[] a) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < a.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(Format.plain(a[i], 4));
        }
        return sb.append(']').toString();
    }
}
