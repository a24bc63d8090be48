package dev.migscope.ui.charts;

import dev.migscope.fsm.MigState;
import dev.migscope.ui.common.Theme;
import dev.migscope.view.StateChange;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;

/**
 * The device's saving phases shaded behind one chart's lines: a band on the time axis for each
 * stretch the device spent in pre-copy (PRE_COPY, PRE_COPY_P2P) or stop-copy (STOP_COPY), from the
 * states its view saw (QEMU's VFIO_MIGRATION events, or the debugfs fallback's polls). A band still
 * open reaches to the newest sample. JFreeChart redraws on every marker change, so markers are
 * replaced only when a band starts or ends; between those only the open band's end moves, once per
 * frame with the datasets.
 */
final class PhaseBands {

    /** A saving phase a band shades, with its palette colour. */
    enum Phase {
        PRE_COPY("pre-copy", "series-pre-copy"),
        STOP_COPY("stop-copy", "series-stop-copy");

        final String label;
        final String colour;

        Phase(String label, String colour) {
            this.label = label;
            this.colour = colour;
        }

        /** The phase a state belongs to, or null outside the saving group's data-moving states. */
        static Phase of(MigState s) {
            return switch (s) {
                case PRE_COPY, PRE_COPY_P2P -> PRE_COPY;
                case STOP_COPY -> STOP_COPY;
                default -> null;
            };
        }
    }

    /**
     * One stretch in a phase, in seconds on the charts' time axis.
     *
     * @param end NaN while the device is still in the phase
     */
    record Band(Phase phase, double start, double end) {

        boolean open() {
            return Double.isNaN(end);
        }
    }

    /**
     * How opaque a band's fill is: the lines over it stay readable in both themes. In the colour, not
     * the marker's alpha, which JFreeChart applies to the label too.
     */
    private static final float ALPHA = 0.16f;
    /** No box behind a band's label. */
    private static final Color NO_BACKGROUND = new Color(0, 0, 0, 0);

    private final XYPlot plot;
    private List<Band> shown = List.of();
    private final List<IntervalMarker> markers = new ArrayList<>();
    private Theme theme;

    PhaseBands(XYPlot plot, Theme theme) {
        this.plot = plot;
        this.theme = theme;
    }

    /**
     * The bands of a history of states: consecutive states of one phase (PRE_COPY then
     * PRE_COPY_P2P) make one band, which ends at the first state outside it.
     */
    static List<Band> bands(List<StateChange> changes) {
        List<Band> out = new ArrayList<>();
        Phase phase = null;
        double start = 0;
        for (StateChange c : changes) {
            Phase p = Phase.of(c.state());
            double t = c.timeNanos() / 1e9;
            if (p == phase) {
                continue;
            }
            if (phase != null) {
                out.add(new Band(phase, start, t));
            }
            phase = p;
            start = t;
        }
        if (phase != null) {
            out.add(new Band(phase, start, Double.NaN));
        }
        return out;
    }

    /**
     * Shows {@code bands} on the plot, an open one reaching {@code now} (s). The plot's markers are
     * replaced only when the bands differ from those shown.
     */
    void show(List<Band> bands, double now) {
        if (!bands.equals(shown)) {
            // One change event for the lot, on the last removal or addition.
            for (int i = 0; i < markers.size(); i++) {
                boolean last = bands.isEmpty() && i == markers.size() - 1;
                plot.removeDomainMarker(0, markers.get(i), Layer.BACKGROUND, last);
            }
            markers.clear();
            for (Band b : bands) {
                markers.add(marker(b, now));
            }
            shown = List.copyOf(bands);
            for (int i = 0; i < markers.size(); i++) {
                plot.addDomainMarker(0, markers.get(i), Layer.BACKGROUND, i == markers.size() - 1);
            }
            return;
        }
        if (!shown.isEmpty() && shown.get(shown.size() - 1).open()) {
            IntervalMarker last = markers.get(markers.size() - 1);
            if (last.getEndValue() != now) {
                last.setEndValue(now);
            }
        }
    }

    /**
     * Lays the bands afresh at the next {@link #show}, in {@code t}'s palette: after a theme change,
     * or after the plot's markers were cleared.
     */
    void repaint(Theme t) {
        theme = t;
        shown = null;
    }

    private IntervalMarker marker(Band b, double now) {
        Color c = ChartPalette.awt(theme, b.phase().colour);
        IntervalMarker m = new IntervalMarker(b.start(), b.open() ? Math.max(now, b.start()) : b.end(),
                new Color(c.getRed(), c.getGreen(), c.getBlue(), Math.round(ALPHA * c.getAlpha())), new BasicStroke(0f),
                null, null, 1f);
        m.setLabel(b.phase().label);
        m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
        m.setLabelPaint(c);
        m.setLabelBackgroundColor(NO_BACKGROUND);
        m.setLabelAnchor(RectangleAnchor.TOP_LEFT);
        m.setLabelTextAnchor(TextAnchor.TOP_LEFT);
        return m;
    }
}
