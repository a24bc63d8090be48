package dev.migscope.ui.charts;

import java.awt.Rectangle;
import java.util.function.BooleanSupplier;
import javafx.application.Platform;
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
 * the next pulse draws it, measuring text with AWT's font metrics, when the pane gives it the
 * pulse's turn ({@link DrawTurns}: one chart a pulse, none in a pulse that shows a state change);
 * a resize draws at once, never leaving a stretched image.
 */
final class ChartView extends Region implements ChartChangeListener {

    private final JFreeChart chart;
    private final Canvas canvas = new Canvas();
    private final FXGraphics2D g2;
    /** True when this chart may draw in the current pulse (and takes that turn). */
    private final BooleanSupplier turn;
    private boolean dirty = true;
    /** Off until {@link #startDrawing}: the window's first frame goes out before any chart draws. */
    private boolean drawing;
    private long draws;

    ChartView(JFreeChart chart, BooleanSupplier turn) {
        this.chart = chart;
        this.turn = turn;
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

    /** Changed since its last draw, and drawing: it waits for a turn. */
    boolean pending() {
        return dirty && drawing;
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
        boolean resized = w != canvas.getWidth() || h != canvas.getHeight();
        if (resized) {
            canvas.setWidth(w);
            canvas.setHeight(h);
            dirty = true;
        }
        if (pending() && (resized || turn.getAsBoolean())) {
            draw();
        } else if (pending()) {
            // DrawTurns lays the waiting charts out again before the next pulse; make sure one comes.
            Platform.requestNextPulse();
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
