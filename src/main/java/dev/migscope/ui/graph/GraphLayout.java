package dev.migscope.ui.graph;

import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import java.util.EnumMap;
import java.util.Map;
import javafx.geometry.Point2D;

/**
 * Where the graph puts things, in design units (the view scales them to fit). It reads like the
 * kernel's description: the running side on the left (RUNNING over PRE_COPY, the P2P variants
 * beside them), the saving side (STOP over STOP_COPY), RESUMING beyond STOP, ERROR set apart.
 */
final class GraphLayout {

    static final double WIDTH = 790;
    static final double HEIGHT = 410;
    static final double NODE_W = 146;
    static final double NODE_H = 54;
    /** How far the two arcs of a two-way pair bow apart, so both arrows stay visible. */
    private static final double PAIR_BOW = 24;

    private static final Map<MigState, Point2D> CENTRES = new EnumMap<>(MigState.class);

    static {
        CENTRES.put(MigState.RUNNING, new Point2D(85, 130));
        CENTRES.put(MigState.RUNNING_P2P, new Point2D(290, 130));
        CENTRES.put(MigState.STOP, new Point2D(495, 130));
        CENTRES.put(MigState.RESUMING, new Point2D(705, 130));
        CENTRES.put(MigState.PRE_COPY, new Point2D(85, 300));
        CENTRES.put(MigState.PRE_COPY_P2P, new Point2D(290, 300));
        CENTRES.put(MigState.STOP_COPY, new Point2D(495, 300));
        CENTRES.put(MigState.ERROR, new Point2D(705, 300));
    }

    private GraphLayout() {
    }

    static Point2D centre(MigState s) {
        return CENTRES.get(s);
    }

    /**
     * The signed bow (how far the curve's middle lies from the straight line) of an arc along the left normal of its direction. The arcs of devices
     * without P2P skip a column: they bow far above (RUNNING <-> STOP) or below
     * (PRE_COPY -> STOP_COPY) the row so they pass the P2P states instead of crossing them.
     */
    static double bow(Arc a) {
        if (a.from() == MigState.RUNNING && a.to() == MigState.STOP) {
            return 88;
        }
        if (a.from() == MigState.STOP && a.to() == MigState.RUNNING) {
            return -62;
        }
        if (a.from() == MigState.PRE_COPY && a.to() == MigState.STOP_COPY) {
            return -78;
        }
        return MigrationFsm.allArcs().contains(new Arc(a.to(), a.from())) ? PAIR_BOW : 0;
    }
}
