package dev.tokenmix.train.search;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Draws search results as accuracy (%) against GMACs, every candidate as a point and the Pareto front as a line. */
public final class ParetoChart {
    private ParetoChart() {
    }

    /** Writes {@code png} (a {@code .png} path; XChart adds the extension if it is missing). */
    public static void write(List<SearchResult> results, String title, Path png) throws IOException {
        if (results.isEmpty()) {
            throw new IllegalArgumentException("no results to plot");
        }
        XYChart chart = new XYChartBuilder().width(800).height(560).title(title).xAxisTitle("GMACs")
                .yAxisTitle("top-1 (%)").build();
        chart.getStyler().setLegendVisible(true);
        chart.getStyler().setXAxisDecimalPattern("0.####");
        chart.getStyler().setYAxisDecimalPattern("0.0");
        XYSeries all = chart.addSeries("candidates", gmacs(results), percent(results));
        all.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        List<SearchResult> front = ParetoFront.of(results);
        XYSeries line = chart.addSeries("Pareto front", gmacs(front), percent(front));
        line.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        line.setMarker(SeriesMarkers.DIAMOND);
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static double[] gmacs(List<SearchResult> rs) {
        return rs.stream().mapToDouble(r -> r.macs() / 1e9).toArray();
    }

    private static double[] percent(List<SearchResult> rs) {
        return rs.stream().mapToDouble(r -> 100 * r.accuracy()).toArray();
    }
}
