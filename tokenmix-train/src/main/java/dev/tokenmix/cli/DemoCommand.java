package dev.tokenmix.cli;

import dev.tokenmix.models.Model;
import dev.tokenmix.train.data.ImageDataset;
import dev.tokenmix.train.data.SampleTransform;
import dev.tokenmix.train.data.Split;
import dev.tokenmix.train.loop.RunData;
import dev.tokenmix.train.loop.TrainArgs;
import dev.tokenmix.train.loop.TrainRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code tokenmix demo}: the whole pipeline in a few minutes on a laptop CPU. Trains a tiny model on generated
 * shapes (no download), writes its run folder with the loss and accuracy curves, then shows predictions on a few
 * held-out images saved beside them.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains " + DemoCommand.MODEL + " on synthetic shapes (a few minutes on 2 cores), writes the run "
                + "folder with curves.png, then predicts a few held-out images.",
                "The same run by hand: tokenmix train " + DemoCommand.RECIPE})
final class DemoCommand implements Callable<Integer> {
    /**
     * The tiny model that learned synthetic shapes fastest per second of CPU among the {@code *_test} variants tried
     * (vit_test, pacavit_test, glnet_test, and a ViT with 4-pixel patches): GLNet's convolutions see shapes where
     * the patches of a small ViT learn slowly.
     */
    static final String MODEL = "glnet_test";
    static final String RECIPE = "--model glnet_test --dataset synthetic-shapes --epochs 10 --batch-size 32 --lr 3e-3 "
            + "--warmup-epochs 0.5 --scale 0.6,1 --color-jitter 0 --weight-decay 0.05 --smoothing 0.1 --seed 42";
    private static final int SHOWN = 8;

    @Spec
    CommandSpec spec;

    @Option(names = "--output", paramLabel = "DIR", defaultValue = "output/demo",
            description = "Run folder (replaced if it holds an earlier demo). Default: ${DEFAULT-VALUE}.")
    Path output;

    @Option(names = "--epochs", paramLabel = "E", defaultValue = "10", description = "Epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        TrainArgs a = args(output, epochs);
        clearEarlierDemo(output);
        if (System.getenv("OMP_NUM_THREADS") == null) {
            spec.commandLine().getErr().println("tip: OMP_NUM_THREADS=1 ./tokenmix demo is often several times faster "
                    + "on a small or busy machine (see docs/training.md)");
            spec.commandLine().getErr().flush();
        }
        long t0 = System.nanoTime();
        TrainRun.Outcome o = TrainRun.run(a, null);
        double secs = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "trained %s on synthetic shapes in %.0f s: best eval top-1 %.1f%% (epoch %d)%n",
                MODEL, secs, o.result().bestTop1(), o.result().bestEpoch());
        out.println("run folder " + o.runDir() + " (summary.csv, curves.png, best/, last.safetensors)");
        predict(out, a, o);
        out.flush();
        return TokenMixCli.OK;
    }

    /** The demo's settings. */
    static TrainArgs args(Path output, int epochs) {
        TrainArgs a = new TrainArgs();
        a.model = MODEL;
        a.dataset = "synthetic-shapes";
        a.epochs = epochs;
        a.batchSize = 32;
        a.lr = 3e-3;
        a.warmupEpochs = 0.5;
        a.scale = new double[] {0.6, 1.0};
        a.colorJitter = 0;
        a.weightDecay = 0.05;
        a.smoothing = 0.1;
        a.seed = 42;
        a.output = output.toString();
        return a;
    }

    private static void clearEarlierDemo(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        if (!Files.exists(dir.resolve(TrainRun.ARGS))) {
            throw new IllegalArgumentException(dir + " exists and is not a demo run folder; choose another --output");
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void predict(PrintWriter out, TrainArgs a, TrainRun.Outcome o) throws IOException {
        Model m = dev.tokenmix.models.TokenMix.load(o.runDir().resolve("best"));
        ImageDataset val = RunData.dataset(a, Split.VAL, m.imgSize());
        SampleTransform t = SampleTransform.eval(m.inputConfig(), m.imgSize());
        Path dir = o.runDir().resolve("samples");
        Files.createDirectories(dir);
        int n = Math.min(SHOWN, val.size());
        int s = m.imgSize();
        float[] x = new float[n * 3 * s * s];
        for (int i = 0; i < n; i++) {
            ImageDataset.Sample sample = val.get(i);
            ImageIO.write(sample.image(), "png", dir.resolve(i + ".png").toFile());
            System.arraycopy(t.apply(sample.image(), null), 0, x, i * 3 * s * s, 3 * s * s);
        }
        INDArray probs = Transforms.softmax(m.forward(Nd4j.createFromArray(x).reshape(n, 3, s, s)), true);
        out.println("predictions of the best weights on held-out images:");
        for (int i = 0; i < n; i++) {
            int pred = probs.getRow(i).argMax().getInt(0);
            int label = val.label(i);
            out.printf(Locale.ROOT, "  %-22s true %-9s predicted %-9s %5.1f%% %s%n", dir.resolve(i + ".png"),
                    val.classNames().get(label), val.classNames().get(pred), 100 * probs.getDouble(i, pred),
                    pred == label ? "" : "(wrong)");
        }
    }
}
