package dev.migscope.ui.charts;

import dev.migscope.telemetry.Telemetry;
import dev.migscope.ui.common.Theme;
import dev.migscope.ui.common.Tooltips;
import dev.migscope.view.StateChange;
import dev.migscope.view.TelemetryKind;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
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

/**
 * The live charts of one device view's telemetry (whatever kind of view: driven, observed or
 * remote), the catalogue that fits the figures it carries ({@link ChartSpec#catalogue}), with their
 * controls (time window, link bandwidth). This is the drawing: the data comes from a
 * {@link ChartData}, which {@link #update} ticks once per animation frame on the FX thread; a frame
 * it yields replaces each {@link LiveChart}'s datasets, and a {@link ChartView} redraws in a
 * pulse's layout pass whatever changed, one chart per pulse ({@link DrawTurns}).
 */
public final class ChartsPane extends VBox {

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

    /** The charts shown: those of {@link #kind}. */
    private Map<String, LiveChart> charts;
    /** Each catalogue's charts, built the first time a view of its kind is shown. */
    private final Map<TelemetryKind, Map<String, LiveChart>> built = new EnumMap<>(TelemetryKind.class);
    private TelemetryKind kind = TelemetryKind.DEVICE;
    private final GridPane grid = new GridPane();
    private Theme theme = Theme.LIGHT;
    private boolean drawing;
    private final ToggleGroup windowGroup = new ToggleGroup();
    private final ComboBox<Double> linkGbit = new ComboBox<>();
    private Window window = Window.S30;
    private final ChartData data = new ChartData(window.seconds);
    private long redraws;
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
        linkGbit.valueProperty().addListener((o, a, b) -> data.invalidate());
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
        for (LiveChart c : charts.values()) {
            c.viewer.startDrawing();
        }
    }

    /** The charts of a catalogue, built (themed, drawing once the window's are) on first use. */
    private Map<String, LiveChart> charts(TelemetryKind k) {
        return built.computeIfAbsent(k, x -> {
            Map<String, LiveChart> m = new LinkedHashMap<>();
            for (ChartSpec spec : ChartSpec.catalogue(x)) {
                LiveChart c = new LiveChart(spec, theme, turns::take);
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
        for (LiveChart c : charts.values()) {
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
        data.show(t, k);
        if (t == null) {
            charts.values().forEach(LiveChart::clear);
        }
    }

    /** The shown view's {@code stateChanges}, read once per redraw: its saving phases are shaded behind each chart. */
    public void setStates(Supplier<List<StateChange>> s) {
        data.setStates(s);
    }

    public void setWindow(Window w) {
        window = w;
        data.setWindow(w.seconds);
        for (var t : windowGroup.getToggles()) {
            t.setSelected(t.getUserData() == w);
        }
    }

    public Window window() {
        return window;
    }

    /**
     * Ticks the data source and shows the frame it yields, if any. FX thread, once per frame.
     *
     * @return true when the charts were redrawn
     */
    public boolean update() {
        Optional<ChartData.Frame> frame = data.tick(System.nanoTime());
        if (frame.isEmpty()) {
            return false;
        }
        ChartData.Frame f = frame.get();
        double link = linkBytesPerSecond();
        List<PhaseBands.Band> bands = PhaseBands.bands(f.states());
        for (ChartData.Plot p : f.plots()) {
            charts.get(p.spec().id()).show(p, f, link, bands);
        }
        redraws++;
        return true;
    }

    /** The times (s) of the markers a chart ({@code chart-precopy}) draws now. */
    public List<Double> markers(String chartId) {
        return charts.get(chartId).markerTimes();
    }

    /** Points currently plotted by a chart ({@code chart-throughput}, ...), all series. */
    public int points(String chartId) {
        return charts.get(chartId).datasets().stream().mapToInt(BatchXYDataset::totalItems).sum();
    }

    /** Points of one named series of a chart. */
    public int points(String chartId, String seriesKey) {
        for (BatchXYDataset d : charts.get(chartId).datasets()) {
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
        double m = Double.NaN;
        for (BatchXYDataset d : charts.get(chartId).datasets()) {
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
        for (Map<String, LiveChart> m : built.values()) {
            m.values().forEach(c -> c.applyTheme(t));
        }
        // markers and bands are laid again in the new palette at the next update
        data.invalidate();
    }

    /** The chart as a JFreeChart, for PNG export at any size. */
    public JFreeChart chart(String chartId) {
        return charts.get(chartId).chart;
    }
}
