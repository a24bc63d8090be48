package dev.migscope.ui.charts;

import dev.migscope.ui.common.Theme;
import java.awt.BasicStroke;
import java.awt.Font;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;

/**
 * One chart of a catalogue, drawn from what it is handed: its JFreeChart, datasets, markers, phase
 * bands and {@link ChartView}. {@link #show} takes a frame's {@link ChartData.Plot} and axes (the time
 * range, the link bandwidth the scales and titles use); it never sees the data source. Every
 * dataset is replaced with one change event, and markers only when they moved, so a frame costs
 * the chart one draw.
 */
final class LiveChart {

    final ChartSpec spec;
    final JFreeChart chart;
    final ChartView viewer;
    final BatchXYDataset leftData;
    /** Null when the spec has no right axis. */
    final BatchXYDataset rightData;
    private final NumberAxis xAxis = new NumberAxis("time (s)");
    /** The times of the markers drawn now; null forces a redraw of them. */
    private List<Double> markerTimes = List.of();
    private final PhaseBands phases;
    private Theme theme;

    /** @param turn true when this chart may draw in the current pulse ({@link DrawTurns#take}) */
    LiveChart(ChartSpec spec, Theme theme, BooleanSupplier turn) {
        this.spec = spec;
        this.theme = theme;
        this.leftData = new BatchXYDataset(spec.left().stream().map(ChartSpec.Series::label).toList());
        this.rightData = spec.right().isEmpty() ? null
                : new BatchXYDataset(spec.right().stream().map(ChartSpec.Series::label).toList());
        NumberAxis y = new NumberAxis(spec.leftLabel());
        y.setAutoRangeIncludesZero(true);
        // A flat zero line would otherwise get ticks like 4E-9.
        y.setAutoRangeMinimumSize(1.0);
        XYPlot plot = new XYPlot(leftData, xAxis, y, renderer(spec.left()));
        if (rightData != null) {
            NumberAxis y2 = new NumberAxis(spec.rightLabel());
            y2.setAutoRangeIncludesZero(true);
            y2.setAutoRangeMinimumSize(1.0);
            plot.setRangeAxis(1, y2);
            plot.setDataset(1, rightData);
            plot.mapDatasetToRangeAxis(1, 1);
            plot.setRenderer(1, renderer(spec.right()));
        }
        xAxis.setAutoRangeIncludesZero(false);
        plot.setDomainPannable(false);
        phases = new PhaseBands(plot, theme);
        chart = new JFreeChart(spec.title().text(null, 0), new Font(Font.SANS_SERIF, Font.BOLD, 12), plot, true);
        chart.setPadding(new RectangleInsets(4, 4, 4, 8));
        LegendTitle legend = chart.getLegend();
        legend.setPosition(RectangleEdge.BOTTOM);
        legend.setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        ChartPalette.paint(chart, spec, rightData != null, theme);
        viewer = new ChartView(chart, turn);
        viewer.setId(spec.id());
        viewer.setMinSize(160, 140);
        viewer.setPrefSize(320, 240);
    }

    private static XYLineAndShapeRenderer renderer(List<ChartSpec.Series> series) {
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        // One path per series instead of a line per item: less per-item work in a redraw.
        r.setDrawSeriesLineAsPath(true);
        for (int i = 0; i < series.size(); i++) {
            r.setSeriesStroke(i, series.get(i).dashed()
                    ? new BasicStroke(1.4f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f, new float[] {5f, 4f}, 0f)
                    : new BasicStroke(1.8f));
        }
        return r;
    }

    /**
     * Shows one frame's plot on the time axis {@code from}..{@code to} (s), each series scaled by
     * its spec ({@code link}: the link bandwidth in bytes/s), with {@code bands} reaching {@code now}.
     */
    void show(ChartData.Plot p, ChartData.Frame f, double link, List<PhaseBands.Band> bands) {
        String title = spec.title().text(f.latest(), link);
        if (!title.equals(chart.getTitle().getText())) {
            chart.getTitle().setText(title);
        }
        xAxis.setRange(f.from(), f.to());
        leftData.setAll(scaled(spec.left(), p.left(), link));
        if (rightData != null) {
            rightData.setAll(scaled(spec.right(), p.right(), link));
        }
        markers(p.markers());
        phases.show(bands, f.now());
    }

    /** No data: empty lines, no bands. */
    void clear() {
        phases.show(List.of(), 0);
        leftData.setAll(empty(spec.left().size()));
        if (rightData != null) {
            rightData.setAll(empty(spec.right().size()));
        }
    }

    /** Colours the chart with {@code t}'s palette; markers and bands are laid again at the next frame. */
    void applyTheme(Theme t) {
        theme = t;
        ChartPalette.paint(chart, spec, rightData != null, t);
        markerTimes = null;
        phases.repaint(t);
    }

    /** The times (s) of the markers drawn now. */
    List<Double> markerTimes() {
        return List.copyOf(markerTimes);
    }

    /** The axis' numbers: a spec's scale applies after decimation, to each bucket's min and max (it is increasing). */
    private static List<double[][]> scaled(List<ChartSpec.Series> specs, List<double[][]> series, double link) {
        for (int s = 0; s < specs.size(); s++) {
            double[] y = series.get(s)[1];
            for (int i = 0; i < y.length; i++) {
                y[i] = specs.get(s).scale().apply(y[i], link);
            }
        }
        return series;
    }

    /** A vertical line at each decimated sample that has a marker's bit; the plot changes only when they moved. */
    private void markers(List<double[][]> series) {
        if (spec.markers().isEmpty()) {
            return;
        }
        List<Double> times = new ArrayList<>();
        List<ValueMarker> lines = new ArrayList<>();
        for (int k = 0; k < spec.markers().size(); k++) {
            ChartSpec.Marker m = spec.markers().get(k);
            double[][] xy = series.get(k);
            for (int i = 0; i < xy[0].length; i++) {
                // A bucket's min and max share its time: one line for both.
                if (m.at(xy[1][i]) && (times.isEmpty() || times.get(times.size() - 1) != xy[0][i])) {
                    times.add(xy[0][i]);
                    ValueMarker line = new ValueMarker(xy[0][i], ChartPalette.awt(theme, m.colour()),
                            new BasicStroke(1.2f));
                    line.setLabel(m.label());
                    line.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
                    line.setLabelPaint(line.getPaint());
                    line.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
                    line.setLabelTextAnchor(TextAnchor.TOP_LEFT);
                    lines.add(line);
                }
            }
        }
        if (times.equals(markerTimes)) {
            return;
        }
        markerTimes = times;
        XYPlot p = chart.getXYPlot();
        p.clearDomainMarkers();
        phases.repaint(theme); // cleared too: laid again by this frame's show
        lines.forEach(p::addDomainMarker);
    }

    private static List<double[][]> empty(int n) {
        List<double[][]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new double[][] {new double[0], new double[0]});
        }
        return out;
    }

    /** The datasets now plotted: the left axis', then the right one's when it has one. */
    List<BatchXYDataset> datasets() {
        return rightData == null ? List.of(leftData) : List.of(leftData, rightData);
    }
}
