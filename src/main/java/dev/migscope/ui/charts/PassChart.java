package dev.migscope.ui.charts;

import dev.migscope.ui.common.Theme;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import javafx.scene.Node;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;

/**
 * A chart over passes instead of time: bytes per pass of several devices, those of {@link
 * Line#leftAxis} on the left axis and the others on the right one, with the stop-copy shaded and
 * labelled. It is handed the lines to draw and never sees where they came from; drawn by a {@link
 * ChartView} like the live charts, once per change. FX thread.
 */
public final class PassChart {

    /** Colours of the right axis' lines, in order, repeated when there are more. */
    private static final List<String> COLOURS = List.of("series-pre-copy", "series-dma", "series-resume");
    private static final String LEFT_COLOUR = "series-total";
    private static final String STOP_COPY_COLOUR = "series-stop-copy";

    /**
     * One line: {@code x} the passes, increasing; {@code y} the bytes of each.
     *
     * @param leftAxis whether it is drawn on the left axis
     */
    public record Line(String label, boolean leftAxis, double[] x, double[] y) {
    }

    private final JFreeChart chart;
    private final ChartView view;
    private final XYPlot plot;
    private final NumberAxis passAxis = new NumberAxis("pass");
    private List<Line> left = List.of();
    private List<Line> right = List.of();
    private double stopCopyX = Double.NaN;
    private Theme theme;

    public PassChart(String id, String title, String leftLabel, String rightLabel, Theme theme) {
        this.theme = theme;
        NumberAxis y = new NumberAxis(leftLabel);
        NumberAxis y2 = new NumberAxis(rightLabel);
        for (NumberAxis a : List.of(y, y2)) {
            a.setAutoRangeIncludesZero(true);
            a.setAutoRangeMinimumSize(1.0);
            a.setNumberFormatOverride(NumberFormat.getIntegerInstance());
            // Room above the highest point for the stop-copy band's label.
            a.setUpperMargin(0.15);
        }
        passAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        passAxis.setAutoRange(false);
        plot = new XYPlot(new BatchXYDataset(List.of()), passAxis, y, renderer());
        plot.setRangeAxis(1, y2);
        plot.setDataset(1, new BatchXYDataset(List.of()));
        plot.mapDatasetToRangeAxis(1, 1);
        plot.setRenderer(1, renderer());
        chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 12), plot, true);
        chart.setPadding(new RectangleInsets(4, 4, 4, 8));
        LegendTitle legend = chart.getLegend();
        legend.setPosition(RectangleEdge.BOTTOM);
        legend.setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        view = new ChartView(chart, () -> true);
        view.setId(id);
        view.setMinSize(240, 160);
        view.setPrefSize(640, 300);
        paint();
        view.startDrawing();
    }

    private static XYLineAndShapeRenderer renderer() {
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        r.setDefaultStroke(new BasicStroke(1.8f));
        r.setAutoPopulateSeriesStroke(false);
        return r;
    }

    public Node node() {
        return view;
    }

    /**
     * Draws {@code lines} on a pass axis up to {@code lastX}, with the stop-copy at {@code stopCopyX}
     * (NaN: none); the pass before the first precopy one is the setup.
     */
    public void show(List<Line> lines, double stopCopyX, double lastX) {
        left = lines.stream().filter(Line::leftAxis).toList();
        right = lines.stream().filter(l -> !l.leftAxis()).toList();
        this.stopCopyX = stopCopyX;
        passAxis.setRange(-0.5, Math.max(lastX, 1) + 0.5);
        passAxis.setNumberFormatOverride(new PassFormat(stopCopyX));
        // Points are marked while they can be told apart; a long precopy is a line.
        int most = lines.stream().mapToInt(l -> l.x().length).max().orElse(0);
        for (int i = 0; i < 2; i++) {
            ((XYLineAndShapeRenderer) plot.getRenderer(i)).setDefaultShapesVisible(most <= 200);
        }
        plot.setDataset(0, dataset(left));
        plot.setDataset(1, dataset(right));
        paint();
    }

    private static BatchXYDataset dataset(List<Line> lines) {
        BatchXYDataset d = new BatchXYDataset(lines.stream().map(Line::label).toList());
        d.setAll(lines.stream().map(l -> new double[][] {l.x().clone(), l.y().clone()}).toList());
        return d;
    }

    public void applyTheme(Theme t) {
        theme = t;
        paint();
    }

    private void paint() {
        ChartPalette.paintFrame(chart, theme);
        for (int i = 0; i < left.size(); i++) {
            plot.getRenderer(0).setSeriesPaint(i, ChartPalette.awt(theme, LEFT_COLOUR));
        }
        for (int i = 0; i < right.size(); i++) {
            plot.getRenderer(1).setSeriesPaint(i, ChartPalette.awt(theme, COLOURS.get(i % COLOURS.size())));
        }
        plot.clearDomainMarkers();
        if (!Double.isNaN(stopCopyX)) {
            Color c = ChartPalette.awt(theme, STOP_COPY_COLOUR);
            IntervalMarker band = new IntervalMarker(stopCopyX - 0.5, stopCopyX + 0.5,
                    new Color(c.getRed(), c.getGreen(), c.getBlue(), 48));
            band.setLabel("stop-copy");
            band.setLabelFont(new Font(Font.SANS_SERIF, Font.BOLD, 10));
            band.setLabelPaint(ChartPalette.awt(theme, "chart-text"));
            band.setLabelBackgroundColor(new Color(0, 0, 0, 0));
            band.setLabelAnchor(RectangleAnchor.TOP);
            band.setLabelTextAnchor(TextAnchor.TOP_CENTER);
            plot.addDomainMarker(band, Layer.BACKGROUND);
        }
    }

    // ---------------------------------------------------------------- what it draws (the tests read it)

    /** The {x[], y[]} drawn for the line {@code label}, or null when there is none. */
    public double[][] series(String label) {
        for (int i = 0; i < 2; i++) {
            BatchXYDataset d = (BatchXYDataset) plot.getDataset(i);
            for (int s = 0; s < d.getSeriesCount(); s++) {
                if (d.getSeriesKey(s).equals(label)) {
                    double[][] xy = {new double[d.getItemCount(s)], new double[d.getItemCount(s)]};
                    for (int k = 0; k < xy[0].length; k++) {
                        xy[0][k] = d.getXValue(s, k);
                        xy[1][k] = d.getYValue(s, k);
                    }
                    return xy;
                }
            }
        }
        return null;
    }

    /** The labels of the lines drawn: the left axis' first. */
    public List<String> labels() {
        List<String> out = new ArrayList<>();
        left.forEach(l -> out.add(l.label()));
        right.forEach(l -> out.add(l.label()));
        return out;
    }

    /** Where the stop-copy band is centred, as drawn; empty when there is none. */
    public OptionalDouble stopCopyMarker() {
        var markers = plot.getDomainMarkers(Layer.BACKGROUND);
        if (markers == null) {
            return OptionalDouble.empty();
        }
        return markers.stream().filter(m -> m instanceof IntervalMarker im && "stop-copy".equals(im.getLabel()))
                .mapToDouble(m -> (((IntervalMarker) m).getStartValue() + ((IntervalMarker) m).getEndValue()) / 2)
                .findFirst();
    }

    /** The pass axis' tick label at {@code x}. */
    public String passLabel(double x) {
        return passAxis.getNumberFormatOverride().format(x);
    }

    /** The pass axis' numbers as words where a pass has a name: 0 the setup, the stop-copy's. */
    private static final class PassFormat extends NumberFormat {
        private static final long serialVersionUID = 1L;
        private final double stopCopyX;

        PassFormat(double stopCopyX) {
            this.stopCopyX = stopCopyX;
        }

        @Override
        public StringBuffer format(double number, StringBuffer to, FieldPosition pos) {
            return to.append(number == 0 ? "setup" : number == stopCopyX ? "stop-copy"
                    : number == Math.rint(number) ? Long.toString((long) number) : "");
        }

        @Override
        public StringBuffer format(long number, StringBuffer to, FieldPosition pos) {
            return format((double) number, to, pos);
        }

        @Override
        public Number parse(String source, ParsePosition pos) {
            return null;
        }
    }
}
