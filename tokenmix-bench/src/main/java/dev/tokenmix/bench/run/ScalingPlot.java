package dev.tokenmix.bench.run;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The PNG of a resolution sweep ({@code tokenmix bench --scaling}), three panels side by side:
 *
 * <ol>
 *   <li>time per sample relative to the smallest resolution against the token count relative to it
 *       ({@code (R / R0)²}), log-log, with the counted multiply-adds relative to the smallest resolution (dashed
 *       {@code MACs} series) and the linear ({@code y = x}) and quadratic ({@code y = x²}) references: a model whose
 *       cost is linear in the tokens follows the first line;</li>
 *   <li>throughput (samples/s) against the resolution;</li>
 *   <li>peak resident memory against the resolution.</li>
 * </ol>
 */
public final class ScalingPlot {
    /** One colour per model and mode, the same in every panel (XChart would cycle per panel). */
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
        new Color(0xbcbd22), new Color(0x17becf)};

    private ScalingPlot() {
    }

    /** Draws {@code rows} (any order; one series per model and mode) into {@code png}. */
    public static void write(List<BenchResult> rows, Path png) throws IOException {
        Map<String, List<BenchResult>> series = new LinkedHashMap<>();
        for (BenchResult r : rows) {
            series.computeIfAbsent(r.model() + " " + r.mode().label(), k -> new ArrayList<>()).add(r);
        }
        XYChart relative = chart("Cost vs tokens (relative to smallest input)", "tokens / tokens at smallest input",
                "time per sample / at smallest input");
        relative.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true);
        XYChart throughput = chart("Throughput", "input resolution (px)", "samples / s");
        XYChart memory = chart("Peak resident memory", "input resolution (px)", "peak RSS (MiB)");
        double maxRatio = 1;
        int index = 0;
        for (Map.Entry<String, List<BenchResult>> e : series.entrySet()) {
            Color color = PALETTE[index++ % PALETTE.length];
            List<BenchResult> s = new ArrayList<>(e.getValue());
            s.sort((a, b) -> Integer.compare(a.imgSize(), b.imgSize()));
            BenchResult first = s.get(0);
            double[] res = new double[s.size()];
            double[] tokens = new double[s.size()];
            double[] cost = new double[s.size()];
            double[] sps = new double[s.size()];
            double[] mem = new double[s.size()];
            double[] macs = new double[s.size()];
            for (int i = 0; i < s.size(); i++) {
                BenchResult r = s.get(i);
                res[i] = r.imgSize();
                tokens[i] = Math.pow((double) r.imgSize() / first.imgSize(), 2);
                cost[i] = (1 / r.samplesPerSec()) / (1 / first.samplesPerSec());
                sps[i] = r.samplesPerSec();
                mem[i] = r.peakRssMb();
                macs[i] = first.gmacs() > 0 ? r.gmacs() / first.gmacs() : 1;
                maxRatio = Math.max(maxRatio, tokens[i]);
            }
            relative.addSeries(e.getKey(), tokens, cost).setMarkerColor(color).setLineColor(color);
            if (first.gmacs() > 0) {
                relative.addSeries(e.getKey() + " MACs", tokens, macs).setMarker(SeriesMarkers.NONE)
                        .setLineStyle(SeriesLines.DASH_DASH).setLineColor(color);
            }
            throughput.addSeries(e.getKey(), res, sps).setMarkerColor(color).setLineColor(color);
            memory.addSeries(e.getKey(), res, mem).setMarkerColor(color).setLineColor(color);
        }
        double[] ref = {1, maxRatio};
        relative.addSeries("linear in tokens", ref, new double[] {1, maxRatio}).setMarker(SeriesMarkers.NONE)
                .setLineColor(Color.BLACK).setLineStyle(SeriesLines.DOT_DOT);
        relative.addSeries("quadratic in tokens", ref, new double[] {1, maxRatio * maxRatio})
                .setMarker(SeriesMarkers.NONE).setLineColor(Color.GRAY).setLineStyle(SeriesLines.DOT_DOT);
        BitmapEncoder.saveBitmap(List.of(relative, throughput, memory), 1, 3, png.toString(),
                BitmapEncoder.BitmapFormat.PNG);
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(560).height(620).title(title).xAxisTitle(x).yAxisTitle(y).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS)
                .setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        return c;
    }
}
