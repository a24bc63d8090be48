package dev.migscope.ui.charts;

import dev.migscope.ui.common.Pulses;
import java.util.Collection;
import java.util.function.Supplier;
import javafx.scene.Node;

/**
 * Which chart may draw in the current pulse. A chart's draw is several milliseconds in software;
 * four in one pulse held the FX thread for a frame and more, and the pulse that shows a state
 * change in the graph waited for them: one chart draws per pulse, and none in a pulse that
 * {@link #yieldPulse yields}. Before each pulse's layout the charts still waiting are laid out
 * again, so each gets its turn in a later pulse.
 */
final class DrawTurns {

    private final Supplier<? extends Collection<ChartView>> views;
    private int left = 1;
    private boolean yielding;

    /** @param owner the node whose scene's pulses count; {@code views} the charts it shows now */
    DrawTurns(Node owner, Supplier<? extends Collection<ChartView>> views) {
        this.views = views;
        Pulses.beforeEachLayout(owner, this::nextPulse);
    }

    /** The coming pulse (or the one running, before its layout) draws no chart. */
    void yieldPulse() {
        yielding = true;
    }

    /** True, once a pulse, when a chart may draw now. */
    boolean take() {
        if (left <= 0) {
            return false;
        }
        left--;
        return true;
    }

    private void nextPulse() {
        left = yielding ? 0 : 1;
        yielding = false;
        if (left > 0) {
            for (ChartView v : views.get()) {
                if (v.pending()) {
                    v.requestLayout();
                }
            }
        }
    }
}
