package dev.migscope.ui.charts;

import java.awt.Rectangle;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.layout.Region;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.event.ChartChangeEvent;
import org.jfree.chart.event.ChartChangeListener;
import org.jfree.fx.FXGraphics2D;
import org.jfree.fx.FXHints;

/**
 * A JFreeChart drawn on a JavaFX canvas, at most once per pulse. JFreeChart-FX's ChartViewer
 * redraws synchronously on every chart change event, measures every string through a JavaFX
 * {@code Text} node (its FX font-metrics hint: most of a live chart's redraw was tick-label
 * measuring) and records hit-test entities for tooltips and zooming that a live chart whose axes
 * the session drives has no use for. Here a change only marks the view dirty; the layout pass of
 * the next pulse draws it, measuring text with AWT's font metrics.
 */
final class ChartView extends Region implements ChartChangeListener {

    private final JFreeChart chart;
    private final Canvas canvas = new Canvas();
    private final FXGraphics2D g2;
    private boolean dirty = true;
    /** Off until {@link #startDrawing}: the window's first frame goes out before any chart draws. */
    private boolean drawing;
    private long draws;

    ChartView(JFreeChart chart) {
        this.chart = chart;
        getChildren().add(canvas);
        g2 = new FXGraphics2D(canvas.getGraphicsContext2D());
        // AWT's metrics (cached per font) instead of a JavaFX Text layout per measured string.
        g2.setRenderingHint(FXHints.KEY_USE_FX_FONT_METRICS, false);
        // ChartCanvas's setting: hairlines (stroke width 0) stay visible.
        g2.setZeroStrokeWidth(0.1);
        chart.addChangeListener(this);
    }

    /** Draws from the next pulse on. */
    void startDrawing() {
        drawing = true;
        requestLayout();
    }

    /** How many times the chart was drawn. */
    long draws() {
        return draws;
    }

    @Override
    public void chartChanged(ChartChangeEvent event) {
        dirty = true;
        requestLayout();
    }

    @Override
    protected void layoutChildren() {
        double w = Math.floor(getWidth());
        double h = Math.floor(getHeight());
        if (w != canvas.getWidth() || h != canvas.getHeight()) {
            canvas.setWidth(w);
            canvas.setHeight(h);
            dirty = true;
        }
        if (dirty && drawing) {
            draw();
        }
    }

    /** Draws the chart now: only the layout pass does, when something changed. */
    private void draw() {
        dirty = false;
        draws++;
        GraphicsContext gc = canvas.getGraphicsContext2D();
        gc.clearRect(0, 0, canvas.getWidth(), canvas.getHeight());
        if (canvas.getWidth() > 0 && canvas.getHeight() > 0) {
            chart.draw(g2, new Rectangle((int) canvas.getWidth(), (int) canvas.getHeight()), null, null);
        }
    }
}
