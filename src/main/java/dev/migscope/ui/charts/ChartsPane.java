package dev.migscope.ui.charts;

import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.Sample;
import dev.migscope.telemetry.Telemetry;
import dev.migscope.telemetry.WindowDecimator;
import dev.migscope.ui.common.Theme;
import dev.migscope.ui.common.Tooltips;
import dev.migscope.view.StateChange;
import dev.migscope.view.TelemetryKind;
import java.awt.BasicStroke;
import java.awt.Font;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.RowConstraints;
import javafx.scene.layout.VBox;
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
 * The live charts of one device view's telemetry (whatever kind of view: driven, observed or
 * remote), the catalogue that fits the figures it carries ({@link ChartSpec#catalogue}). Telemetry is pulled: {@link #update} runs once per animation frame on the
 * FX thread, folds the samples appended since the last frame into a {@link WindowDecimator}
 * (min/max per time bucket, only the plotted metrics) and replaces each chart's datasets; a
 * {@link ChartView} redraws in a pulse's layout pass whatever changed, one chart per pulse.
 */
public final class ChartsPane extends VBox {

    /**
     * Points per series after decimation (two per bucket): about two per horizontal pixel of a
     * chart in a full-screen window, so decimation costs nothing visible, and cheap to draw.
     */
    static final int MAX_POINTS = 1500;
    /**
     * A redraw repaints four whole charts, in software where there is no GPU: at most five a
     * second keeps the FX thread free for input while the sampler runs at 10 Hz or more.
     */
    private static final long MIN_REDRAW_NANOS = 200_000_000L;

    /** The time windows a user can pick. */
    public enum Window {
        S30("30 s", 30), M5("5 min", 300), H1("1 h", 3600);

        final String label;
        final long seconds;

        Window(String label, long seconds) {
            this.label = label;
            this.seconds = seconds;
        }
    }

    /** One chart of the catalogue: its JFreeChart, datasets and view. */
    private static final class Chart {
        final ChartSpec spec;
        final JFreeChart chart;
        final ChartView viewer;
        final BatchXYDataset leftData;
        final BatchXYDataset rightData;
        final NumberAxis xAxis = new NumberAxis("time (s)");
        /** The times of the markers drawn now; null forces a redraw of them. */
        List<Double> markerTimes = List.of();
        final PhaseBands phases;

        Chart(ChartSpec spec, Theme theme, BooleanSupplier turn) {
            this.spec = spec;
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
    }

    /** The charts shown: those of {@link #kind}. */
    private Map<String, Chart> charts;
    /** Each catalogue's charts, built the first time a view of its kind is shown. */
    private final Map<TelemetryKind, Map<String, Chart>> built = new EnumMap<>(TelemetryKind.class);
    private TelemetryKind kind = TelemetryKind.DEVICE;
    private final GridPane grid = new GridPane();
    private Theme theme = Theme.LIGHT;
    private boolean drawing;
    private final ToggleGroup windowGroup = new ToggleGroup();
    private final ComboBox<Double> linkGbit = new ComboBox<>();
    private Telemetry telemetry;
    /** The shown view's states, for the phase bands. */
    private Supplier<List<StateChange>> states = List::of;
    private Window window = Window.S30;
    /** The window's decimation of the telemetry; null until the next update builds it. */
    private WindowDecimator decimator;
    private long seenVersion = -1;
    private boolean dirty = true;
    private long redraws;
    private long lastRedrawNanos;
    private final DrawTurns turns = new DrawTurns(this, () -> charts.values().stream().map(c -> c.viewer).toList());

    public ChartsPane() {
        getStyleClass().add("charts-pane");
        setId("charts");
        charts = charts(kind);
        grid.setHgap(6);
        grid.setVgap(6);
        for (int i = 0; i < 2; i++) {
            ColumnConstraints c = new ColumnConstraints();
            c.setPercentWidth(50);
            c.setHgrow(Priority.ALWAYS);
            grid.getColumnConstraints().add(c);
            RowConstraints r = new RowConstraints();
            r.setPercentHeight(50);
            r.setVgrow(Priority.ALWAYS);
            grid.getRowConstraints().add(r);
        }
        layOut();
        VBox.setVgrow(grid, Priority.ALWAYS);

        HBox controls = new HBox(6);
        controls.setAlignment(Pos.CENTER_LEFT);
        controls.getStyleClass().add("charts-controls");
        Label wl = new Label("Window");
        controls.getChildren().add(wl);
        for (Window w : Window.values()) {
            ToggleButton b = new ToggleButton(w.label);
            b.setId("window-" + w.name());
            b.setToggleGroup(windowGroup);
            b.setUserData(w);
            b.setSelected(w == window);
            Tooltips.install(b, "Show the last " + w.label + " of telemetry");
            controls.getChildren().add(b);
        }
        windowGroup.selectedToggleProperty().addListener((o, a, b) -> {
            if (b == null) {
                a.setSelected(true);
                return;
            }
            setWindow((Window) b.getUserData());
        });
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        linkGbit.setId("link-bandwidth");
        linkGbit.getItems().addAll(1.0, 10.0, 25.0, 100.0);
        linkGbit.setValue(10.0);
        linkGbit.setEditable(true);
        linkGbit.setPrefWidth(80);
        linkGbit.setConverter(new javafx.util.StringConverter<>() {
            @Override
            public String toString(Double d) {
                return d == null ? "" : (d == Math.rint(d) ? String.valueOf(d.longValue()) : String.valueOf(d));
            }

            @Override
            public Double fromString(String s) {
                try {
                    double d = Double.parseDouble(s.trim());
                    return d > 0 ? d : linkGbit.getValue();
                } catch (NumberFormatException e) {
                    return linkGbit.getValue();
                }
            }
        });
        Tooltips.install(linkGbit, "Link bandwidth for the downtime estimate: stop_copy_length / bandwidth");
        linkGbit.valueProperty().addListener((o, a, b) -> dirty = true);
        controls.getChildren().addAll(gap, new Label("Link"), linkGbit, new Label("Gbit/s"));
        controls.setPadding(new Insets(0, 0, 4, 0));
        getChildren().addAll(controls, grid);
        setSpacing(2);
        applyTheme(Theme.LIGHT);
    }

    /** The coming pulse shows a state change: no chart draws in it ({@link DrawTurns}). */
    public void yieldPulse() {
        turns.yieldPulse();
    }

    /**
     * Lets the charts draw. They draw nothing before: a chart's first draw sets up JFreeChart's and
     * AWT's text, and the window calls this after its first frame so that frame is not held back.
     */
    public void startDrawing() {
        drawing = true;
        for (Chart c : charts.values()) {
            c.viewer.startDrawing();
        }
    }

    /** The charts of a catalogue, built (themed, drawing once the window's are) on first use. */
    private Map<String, Chart> charts(TelemetryKind k) {
        return built.computeIfAbsent(k, x -> {
            Map<String, Chart> m = new LinkedHashMap<>();
            for (ChartSpec spec : ChartSpec.catalogue(x)) {
                Chart c = new Chart(spec, theme, turns::take);
                ChartPalette.paint(c.chart, c.spec, c.rightData != null, theme);
                if (drawing) {
                    c.viewer.startDrawing();
                }
                m.put(spec.id(), c);
            }
            return m;
        });
    }

    private void layOut() {
        grid.getChildren().clear();
        int i = 0;
        for (Chart c : charts.values()) {
            grid.add(c.viewer, i % 2, i / 2);
            i++;
        }
    }

    private double linkBytesPerSecond() {
        Double g = linkGbit.getValue();
        return (g == null || g <= 0 ? 10.0 : g) * 1e9 / 8;
    }

    /** {@link #setTelemetry(Telemetry, TelemetryKind)} with a device's own figures. */
    public void setTelemetry(Telemetry t) {
        setTelemetry(t, TelemetryKind.DEVICE);
    }

    /**
     * Plots {@code t} from the next {@link #update} on, in the charts that fit {@code k}: a device
     * view's telemetry, whatever kind of view it is; null clears the charts.
     */
    public void setTelemetry(Telemetry t, TelemetryKind k) {
        if (k != kind) {
            kind = k;
            charts = charts(k);
            layOut();
        }
        this.telemetry = t;
        decimator = null;
        seenVersion = -1;
        dirty = true;
        if (t == null) {
            for (Chart c : charts.values()) {
                c.phases.show(List.of(), 0);
                c.leftData.setAll(empty(c.spec.left().size()));
                if (c.rightData != null) {
                    c.rightData.setAll(empty(c.spec.right().size()));
                }
            }
        }
    }

    /** The shown view's {@code stateChanges}, read once per redraw: its saving phases are shaded behind each chart. */
    public void setStates(Supplier<List<StateChange>> s) {
        states = s;
        dirty = true;
    }

    public void setWindow(Window w) {
        window = w;
        decimator = null;
        dirty = true;
        for (var t : windowGroup.getToggles()) {
            t.setSelected(t.getUserData() == w);
        }
    }

    public Window window() {
        return window;
    }

    /**
     * Pulls the newest telemetry into the charts when it changed. FX thread, once per frame.
     *
     * @return true when the charts were redrawn
     */
    public boolean update() {
        Telemetry t = telemetry;
        if (t == null) {
            return false;
        }
        long v = t.version();
        if (v == seenVersion && !dirty) {
            return false;
        }
        long frameNanos = System.nanoTime();
        if (!dirty && frameNanos - lastRedrawNanos < MIN_REDRAW_NANOS) {
            return false;
        }
        lastRedrawNanos = frameNanos;
        Sample latest = t.latest();
        if (latest == null) {
            return false;
        }
        seenVersion = v;
        dirty = false;
        if (decimator == null) {
            decimator = new WindowDecimator(window.seconds * 1_000_000_000L, MAX_POINTS / 2, plottedMetrics());
        }
        decimator.update(t);
        double now = latest.timeNanos() / 1e9;
        double link = linkBytesPerSecond();
        List<PhaseBands.Band> bands = PhaseBands.bands(states.get());
        for (Chart c : charts.values()) {
            String title = c.spec.title().text(latest, link);
            if (!title.equals(c.chart.getTitle().getText())) {
                c.chart.getTitle().setText(title);
            }
            c.xAxis.setRange(Math.max(0, now - window.seconds), Math.max(now, 1));
            c.leftData.setAll(series(c.spec.left(), link));
            if (c.rightData != null) {
                c.rightData.setAll(series(c.spec.right(), link));
            }
            markers(c);
            c.phases.show(bands, now);
        }
        redraws++;
        return true;
    }

    /** The metrics some series plots: the only ones copied out of the telemetry. */
    private Metric[] plottedMetrics() {
        return charts.values().stream()
                .flatMap(c -> Stream.concat(Stream.concat(c.spec.left().stream(), c.spec.right().stream())
                        .map(ChartSpec.Series::metric), c.spec.markers().stream().map(ChartSpec.Marker::metric)))
                .distinct().toArray(Metric[]::new);
    }

    /** A vertical line at each decimated sample that has a marker's bit; the plot changes only when they moved. */
    private void markers(Chart c) {
        if (c.spec.markers().isEmpty()) {
            return;
        }
        List<Double> times = new ArrayList<>();
        List<ValueMarker> lines = new ArrayList<>();
        for (ChartSpec.Marker m : c.spec.markers()) {
            double[][] xy = decimator.series(m.metric());
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
        if (times.equals(c.markerTimes)) {
            return;
        }
        c.markerTimes = times;
        XYPlot p = c.chart.getXYPlot();
        p.clearDomainMarkers();
        c.phases.repaint(theme); // cleared too: laid again by this frame's show
        lines.forEach(p::addDomainMarker);
    }

    /** The times (s) of the markers a chart ({@code chart-precopy}) draws now. */
    public List<Double> markers(String chartId) {
        return List.copyOf(charts.get(chartId).markerTimes);
    }

    private List<double[][]> series(List<ChartSpec.Series> specs, double link) {
        List<double[][]> out = new ArrayList<>();
        for (ChartSpec.Series s : specs) {
            double[][] xy = decimator.series(s.metric());
            double[] y = xy[1];
            for (int i = 0; i < y.length; i++) {
                y[i] = s.scale().apply(y[i], link);
            }
            out.add(xy);
        }
        return out;
    }

    private static List<double[][]> empty(int n) {
        List<double[][]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new double[][] {new double[0], new double[0]});
        }
        return out;
    }

    /** Points currently plotted by a chart ({@code chart-throughput}, ...), all series. */
    public int points(String chartId) {
        Chart c = charts.get(chartId);
        return c.leftData.totalItems() + (c.rightData == null ? 0 : c.rightData.totalItems());
    }

    /** Points of one named series of a chart. */
    public int points(String chartId, String seriesKey) {
        Chart c = charts.get(chartId);
        for (BatchXYDataset d : c.rightData == null ? List.of(c.leftData) : List.of(c.leftData, c.rightData)) {
            for (int i = 0; i < d.getSeriesCount(); i++) {
                if (d.getSeriesKey(i).equals(seriesKey)) {
                    return d.getItemCount(i);
                }
            }
        }
        throw new IllegalArgumentException(seriesKey);
    }

    /** The largest y value of a series now plotted (NaN when empty). */
    public double max(String chartId, String seriesKey) {
        Chart c = charts.get(chartId);
        double m = Double.NaN;
        for (BatchXYDataset d : c.rightData == null ? List.of(c.leftData) : List.of(c.leftData, c.rightData)) {
            for (int i = 0; i < d.getSeriesCount(); i++) {
                if (d.getSeriesKey(i).equals(seriesKey)) {
                    for (int k = 0; k < d.getItemCount(i); k++) {
                        m = Double.isNaN(m) ? d.getYValue(i, k) : Math.max(m, d.getYValue(i, k));
                    }
                }
            }
        }
        return m;
    }

    /** How many times the four charts were drawn in all (each at most once a pulse). */
    public long draws() {
        return charts.values().stream().mapToLong(c -> c.viewer.draws()).sum();
    }

    /** How many frames redrew the charts (one redraw per frame at most). */
    public long redraws() {
        return redraws;
    }

    public List<String> chartIds() {
        return List.copyOf(charts.keySet());
    }

    /**
     * Colours the charts with the theme's palette (JFreeChart paints with AWT, not CSS: the
     * colours are read from the theme's palette file).
     */
    public void applyTheme(Theme t) {
        theme = t;
        for (Map<String, Chart> m : built.values()) {
            for (Chart c : m.values()) {
                ChartPalette.paint(c.chart, c.spec, c.rightData != null, t);
                c.markerTimes = null; // repainted in the new palette at the next update
                c.phases.repaint(t);
            }
        }
    }

    /** The chart as a JFreeChart, for PNG export at any size. */
    public JFreeChart chart(String chartId) {
        return charts.get(chartId).chart;
    }
}
