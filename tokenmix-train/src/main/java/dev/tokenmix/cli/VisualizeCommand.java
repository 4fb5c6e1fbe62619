package dev.tokenmix.cli;

import dev.tokenmix.models.AssignmentMap;
import dev.tokenmix.models.AssignmentMaps;
import dev.tokenmix.models.InputConfig;
import dev.tokenmix.models.Model;
import dev.tokenmix.train.data.EvalTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmix visualize}: how a model's token mixers group the positions of one image, stage by stage
 * (PaCa-ViT's cluster assignments, GLMix's slot assignments; for STT, where each local layer's super tokens look
 * inside their windows), as a PNG: the input as the model sees it, then one panel per stage (see
 * {@link AssignmentFigure} for the layout). Any model implementing {@link AssignmentMaps}
 * works; with random weights the figure shows the shapes, with trained weights what the model learnt.
 */
@Command(name = "visualize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Draws the cluster (PaCa-ViT) or slot (GLMix) assignments of each stage of a model for one "
                + "image: the input, then one panel per stage colouring each position by its most likely group.",
                "For STT (stt_*): one panel per local layer, a heat map of each window's super-token attention "
                + "over its patches.",
                "The image is resized and centre-cropped per the model's config, as for predict."},
        footer = {"", "Examples:", "  tokenmix visualize -m pacavit_tiny_p2cconv_100_0 -w paca_tiny.pth cat.jpg --out z.png",
                "  tokenmix visualize -m glnet_4g --soft cat.jpg --out slots.png",
                "  tokenmix visualize -m stt_s25_224 -w stt.safetensors cat.jpg --out super.png"})
final class VisualizeCommand implements Callable<Integer> {
    /** The families whose models implement {@link AssignmentMaps}, for the error message of the others. */
    static final String SUPPORTED = "PaCa-ViT (pacavit_*), GLMix (glnet_*) and STT (stt_*)";

    @Spec
    CommandSpec spec;

    @Mixin
    ModelSource source;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image (JPEG, PNG, BMP, GIF).")
    Path image;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE.png", description = "Where to write the PNG.")
    Path out;

    @Option(names = "--img-size", paramLabel = "N",
            description = "Run the model at N x N instead of its default resolution (a finer grid per stage).")
    Integer imgSize;

    @Option(names = "--panel-size", paramLabel = "P", defaultValue = "224",
            description = "Side of each panel in pixels. Default: ${DEFAULT-VALUE}.")
    int panel;

    @Option(names = "--soft", description = "Let the colour's strength follow each position's weight on its group.")
    boolean soft;

    @Override
    public Integer call() throws IOException {
        if (panel < 16 || panel > 2048) {
            throw new IllegalArgumentException("--panel-size must be between 16 and 2048 pixels, got " + panel);
        }
        if (imgSize != null && imgSize <= 0) {
            throw new IllegalArgumentException("--img-size must be a positive number of pixels, got " + imgSize);
        }
        if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new IllegalArgumentException("--out must name a .png file, got " + out);
        }
        BufferedImage img = EvalTransform.read(image);
        PrintWriter log = spec.commandLine().getErr();
        Model m = source.open(imgSize, log);
        if (!(m instanceof AssignmentMaps a)) {
            throw new IllegalArgumentException(m.name() + " has no cluster, slot or super-token maps to draw; visualize "
                    + "supports " + SUPPORTED);
        }
        INDArray x = new EvalTransform(m.inputConfig(), m.imgSize()).apply(img);
        List<AssignmentMap> maps = a.assignmentMaps(x);
        BufferedImage fig = AssignmentFigure.draw(pixels(x, m.inputConfig()), maps, panel, soft, m.name());
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        ImageIO.write(fig, "png", out.toFile());
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println("wrote " + out + " (" + fig.getWidth() + "x" + fig.getHeight() + ", " + maps.size()
                + (maps.size() == 1 ? " stage)" : " stages)"));
        stdout.flush();
        return TokenMixCli.OK;
    }

    /** The model's input {@code [1, 3, S, S]} back to 8-bit RGB: undoes the normalisation. */
    static BufferedImage pixels(INDArray x, InputConfig cfg) {
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        double[] mean = cfg.mean();
        double[] std = cfg.std();
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    int ch = Math.min(c, (int) x.size(1) - 1);
                    double v = x.getDouble(0, ch, y, xx) * std[ch] + mean[ch];
                    rgb = rgb << 8 | (int) Math.max(0, Math.min(255, Math.round(v * 255)));
                }
                img.setRGB(xx, y, rgb);
            }
        }
        return img;
    }
}
