package dev.migscope.ui.charts;

import dev.migscope.ui.common.Theme;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYItemRenderer;

/**
 * Paints a chart in a theme's palette. JFreeChart paints with AWT, not CSS: the colours are the
 * theme's {@code -ms-chart-*} and {@code -ms-series-*} values, read through {@link Theme#colour}.
 */
final class ChartPalette {

    private ChartPalette() {
    }

    static void paint(JFreeChart ch, ChartSpec spec, boolean hasRight, Theme theme) {
        paintFrame(ch, theme);
        XYPlot p = ch.getXYPlot();
        paintSeries(p.getRenderer(0), spec.left(), theme);
        if (hasRight) {
            paintSeries(p.getRenderer(1), spec.right(), theme);
        }
    }

    /** The chart's background, title, legend, grid and axes; its series are the caller's. */
    static void paintFrame(JFreeChart ch, Theme theme) {
        Paint bg = awt(theme, "chart-bg");
        Paint plotBg = awt(theme, "chart-plot");
        Paint gridLines = awt(theme, "chart-grid");
        Paint text = awt(theme, "chart-text");
        Paint muted = awt(theme, "chart-muted");
        Font tick = new Font(Font.SANS_SERIF, Font.PLAIN, 9);
        Font label = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
        ch.setBackgroundPaint(bg);
        ch.getTitle().setPaint(text);
        ch.getLegend().setBackgroundPaint(bg);
        ch.getLegend().setItemPaint(text);
        XYPlot p = ch.getXYPlot();
        p.setBackgroundPaint(plotBg);
        p.setDomainGridlinePaint(gridLines);
        p.setRangeGridlinePaint(gridLines);
        p.setOutlinePaint(gridLines);
        for (int i = 0; i < p.getRangeAxisCount(); i++) {
            style(p.getRangeAxis(i), muted, tick, label);
        }
        style(p.getDomainAxis(), muted, tick, label);
    }

    static Color awt(Theme theme, String name) {
        javafx.scene.paint.Color c = theme.colour(name);
        return new Color((float) c.getRed(), (float) c.getGreen(), (float) c.getBlue(), (float) c.getOpacity());
    }

    private static void paintSeries(XYItemRenderer r, List<ChartSpec.Series> series, Theme theme) {
        for (int i = 0; i < series.size(); i++) {
            r.setSeriesPaint(i, awt(theme, series.get(i).colour()));
        }
    }

    private static void style(ValueAxis a, Paint muted, Font tick, Font label) {
        if (a == null) {
            return;
        }
        a.setTickLabelPaint(muted);
        a.setLabelPaint(muted);
        a.setTickLabelFont(tick);
        a.setLabelFont(label);
        a.setAxisLinePaint(muted);
        a.setTickMarkPaint(muted);
    }
}
