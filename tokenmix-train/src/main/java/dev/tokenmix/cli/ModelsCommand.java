package dev.tokenmix.cli;

import dev.tokenmix.models.Model;
import dev.tokenmix.models.ModelOptions;
import dev.tokenmix.models.ModelRegistry;
import dev.tokenmix.models.PaperStats;
import dev.tokenmix.models.TokenMix;
import dev.tokenmix.models.Variant;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tokenmix models [PATTERN] [--format table|csv]}: the registered models with measured and paper numbers. */
@Command(name = "models", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Lists the registered models: parameters and GMACs measured on a freshly built model, "
                + "next to the numbers their paper reports.",
                "Each listed model is built once to count it (about a second for a small one)."},
        footer = {"", "Examples:", "  tokenmix models", "  tokenmix models 'deit*'", "  tokenmix models vit --format csv"})
final class ModelsCommand implements Callable<Integer> {

    /** Output formats. */
    enum OutputFormat { table, csv }

    static final String CSV_HEADER = "model,family,params,gmacs,img_size,paper_params,paper_gmacs,paper_top1";

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "PATTERN", defaultValue = "*",
            description = "Wildcard over model names (* and ?, case-insensitive); a pattern without wildcards "
                    + "matches names that contain it. Default: all.")
    String pattern;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
            description = "table (aligned, human readable) or csv (exact numbers). Default: ${DEFAULT-VALUE}.")
    OutputFormat format;

    @Override
    public Integer call() {
        List<String> names = matching(pattern);
        PrintWriter out = spec.commandLine().getOut();
        if (format == OutputFormat.csv) {
            out.println(CSV_HEADER);
        }
        TextTable table = new TextTable("MODEL", "FAMILY", ">PARAMS", ">GMACS", ">IMG",
                ">PAPER PARAMS", ">PAPER GMACS", ">PAPER TOP-1");
        for (String name : names) {
            Variant v = TokenMix.variant(name);
            long params;
            double gmacs;
            int imgSize;
            try {
                Model m = v.create(ModelOptions.defaults());
                params = m.parameterCount();
                gmacs = m.macs() / 1e9;
                imgSize = m.imgSize();
            } catch (RuntimeException e) {
                throw new IllegalStateException("could not build " + name + " to count it: " + UsageErrors.oneLine(e), e);
            }
            PaperStats p = v.paper();
            if (format == OutputFormat.csv) {
                out.println(String.join(",", Format.csv(name), Format.csv(v.family()), Long.toString(params),
                        Format.plain(gmacs, 6), Integer.toString(imgSize), Format.plain(p.paramsM(), 3),
                        Format.plain(p.gmacs(), 3), Format.plain(p.top1(), 3)));
                out.flush();
            } else {
                table.add(name, v.family(), Format.count(params), Format.gmacs(gmacs), Integer.toString(imgSize),
                        Format.paper(p.paramsM(), "M", "-"), Format.paper(p.gmacs(), "", "-"),
                        Format.paper(p.top1(), "%", "-"));
            }
        }
        if (format == OutputFormat.table) {
            table.print(out, "");
        }
        return 0;
    }

    /** Registered names for {@code pattern}; none is a usage error that names the closest models. */
    private List<String> matching(String pat) {
        ModelRegistry reg = ModelRegistry.get();
        boolean wild = pat.indexOf('*') >= 0 || pat.indexOf('?') >= 0;
        List<String> names = reg.list(wild ? pat : "*" + pat + "*");
        if (names.isEmpty()) {
            String bare = pat.replace("*", "").replace("?", "");
            List<String> near = reg.closest(bare.isEmpty() ? pat : bare, 3);
            throw new IllegalArgumentException("no model matches '" + pat + "'"
                    + (near.isEmpty() ? "" : "; closest: " + String.join(", ", near))
                    + " (run 'tokenmix models' for all)");
        }
        return names;
    }
}
