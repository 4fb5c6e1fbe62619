package dev.tokenmix.train.loop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** The loss and accuracy curves of a run's {@code summary.csv} as one PNG (XChart): loss on the left, accuracy right. */
public final class Curves {
    private static final int WIDTH = 560;
    private static final int HEIGHT = 400;

    private Curves() {
    }

    /** Writes {@code png} from {@code rows}; needs at least one row. */
    public static void write(Path png, List<Summary.Row> rows) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no epochs to plot");
        }
        double[] epoch = rows.stream().mapToDouble(Summary.Row::epoch).toArray();
        XYChart loss = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Loss").xAxisTitle("epoch")
                .yAxisTitle("cross-entropy").build();
        loss.addSeries("train", epoch, rows.stream().mapToDouble(Summary.Row::trainLoss).toArray());
        loss.addSeries("eval", epoch, rows.stream().mapToDouble(Summary.Row::evalLoss).toArray());
        XYChart acc = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Eval accuracy").xAxisTitle("epoch")
                .yAxisTitle("%").build();
        acc.addSeries("top-1", epoch, rows.stream().mapToDouble(Summary.Row::evalTop1).toArray());
        acc.addSeries("top-5", epoch, rows.stream().mapToDouble(Summary.Row::evalTop5).toArray());
        acc.getStyler().setYAxisMin(0.0).setYAxisMax(100.0);
        try {
            Files.createDirectories(png.toAbsolutePath().getParent());
            BitmapEncoder.saveBitmap(List.of(loss, acc), 1, 2, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png + ": " + e.getMessage(), e);
        }
    }
}
