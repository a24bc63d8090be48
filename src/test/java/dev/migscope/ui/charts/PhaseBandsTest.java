package dev.migscope.ui.charts;

import static dev.migscope.fsm.MigState.PRE_COPY;
import static dev.migscope.fsm.MigState.PRE_COPY_P2P;
import static dev.migscope.fsm.MigState.RUNNING;
import static dev.migscope.fsm.MigState.STOP;
import static dev.migscope.fsm.MigState.STOP_COPY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.fsm.MigState;
import dev.migscope.ui.charts.PhaseBands.Band;
import dev.migscope.ui.charts.PhaseBands.Phase;
import dev.migscope.ui.common.Theme;
import dev.migscope.view.StateChange;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.Marker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.ui.Layer;
import org.jfree.data.xy.XYSeriesCollection;
import org.junit.jupiter.api.Test;

class PhaseBandsTest {

    private static StateChange at(double seconds, MigState s) {
        return new StateChange(Math.round(seconds * 1e9), s);
    }

    @Test
    void preCopyAndItsP2pVariantAreOneBandAndStopCopyTheNextUntilTheDeviceLeavesTheSavingGroup() {
        // The source's sequence the rig measured with QEMU 10 and mtty.
        List<Band> bands = PhaseBands.bands(List.of(at(0.5, RUNNING), at(1.0, PRE_COPY), at(2.0, PRE_COPY_P2P),
                at(3.0, STOP_COPY), at(3.037, STOP)));

        assertThat(bands).containsExactly(new Band(Phase.PRE_COPY, 1.0, 3.0), new Band(Phase.STOP_COPY, 3.0, 3.037));
        assertThat(bands).noneMatch(Band::open);
    }

    @Test
    void aPhaseTheDeviceIsStillInIsOpenAndNoStateOfTheSavingGroupIsNoBand() {
        assertThat(PhaseBands.bands(List.of(at(1, PRE_COPY)))).containsExactly(new Band(Phase.PRE_COPY, 1, Double.NaN));
        assertThat(PhaseBands.bands(List.of(at(1, PRE_COPY)))).allMatch(Band::open);
        assertThat(PhaseBands.bands(List.of(at(1, STOP), at(2, MigState.RESUMING), at(3, RUNNING)))).isEmpty();
        assertThat(PhaseBands.bands(List.of())).isEmpty();
    }

    @Test
    void thePlotsMarkersChangeOnlyWhenAPhaseStartsOrEndsAndAnOpenOneReachesNow() {
        XYPlot plot = new XYPlot(new XYSeriesCollection(), new NumberAxis(), new NumberAxis(), null);
        AtomicInteger changes = new AtomicInteger();
        plot.addChangeListener(e -> changes.incrementAndGet());
        PhaseBands phases = new PhaseBands(plot, Theme.LIGHT);
        List<StateChange> history = new ArrayList<>(List.of(at(1, PRE_COPY)));

        phases.show(PhaseBands.bands(history), 1.5);
        IntervalMarker open = (IntervalMarker) background(plot).get(0);
        assertThat(open.getLabel()).isEqualTo("pre-copy");
        assertThat(open.getStartValue()).isEqualTo(1.0);
        assertThat(open.getEndValue()).isEqualTo(1.5);
        assertThat(changes.get()).isEqualTo(1);

        // Later frames: the same marker, its end moved to the newest sample; an unchanged frame changes nothing.
        phases.show(PhaseBands.bands(history), 2.5);
        phases.show(PhaseBands.bands(history), 2.5);
        assertThat(background(plot)).containsExactly(open);
        assertThat(open.getEndValue()).isEqualTo(2.5);
        assertThat(changes.get()).isEqualTo(2);

        history.add(at(3, STOP_COPY));
        history.add(at(3.04, STOP));
        phases.show(PhaseBands.bands(history), 3.1);
        assertThat(background(plot)).extracting(Marker::getLabel).containsExactly("pre-copy", "stop-copy");
        assertThat(background(plot)).extracting(m -> ((IntervalMarker) m).getEndValue()).containsExactly(3.0, 3.04);
        assertThat(plot.getDomainMarkers(Layer.FOREGROUND)).isNull();
        assertThat(changes.get()).as("one change for the whole replacement").isEqualTo(3);

        phases.show(List.of(), 4);
        assertThat(background(plot)).isEmpty();
    }

    private static List<Marker> background(XYPlot plot) {
        var markers = plot.getDomainMarkers(Layer.BACKGROUND);
        return markers == null ? List.of() : List.copyOf(markers);
    }
}
