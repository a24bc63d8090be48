package dev.migscope.ui.graph;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class GraphHighlightTest {

    @Provide
    Arbitrary<MigFeatures> featureSets() {
        return Arbitraries.of(MigFeatures.VALID_SETS);
    }

    @Property
    void arcsAreUsableExactlyWhenDirect(@ForAll("featureSets") MigFeatures f, @ForAll MigState current) {
        GraphHighlight h = GraphHighlight.of(f, current, null);
        for (Arc a : MigrationFsm.allArcs()) {
            boolean direct = MigrationFsm.directArcs(f).contains(a);
            assertThat(h.classesOf(a.id()).contains(GraphHighlight.USABLE)).as(a.id()).isEqualTo(direct);
            assertThat(h.classesOf(a.id()).contains(GraphHighlight.UNSUPPORTED)).as(a.id()).isEqualTo(!direct);
            assertThat(h.classesOf(a.id())).doesNotContain(GraphHighlight.ON_PATH);
        }
    }

    @Property
    void statesAreRefusedExactlyWhenThePathIs(@ForAll("featureSets") MigFeatures f, @ForAll MigState current) {
        GraphHighlight h = GraphHighlight.of(f, current, null);
        for (MigState s : MigState.values()) {
            assertThat(h.classesOf(GraphHighlight.stateId(s)).contains(GraphHighlight.REFUSED))
                    .as("%s from %s", s, current).isEqualTo(MigrationFsm.path(f, current, s).isRefused());
            assertThat(h.classesOf(GraphHighlight.stateId(s)).contains(GraphHighlight.CURRENT)).isEqualTo(s == current);
        }
    }

    @Property
    void previewIsTheKernelsPathWithNumberedSteps(@ForAll("featureSets") MigFeatures f, @ForAll MigState current,
                                                  @ForAll MigState hovered) {
        GraphHighlight h = GraphHighlight.of(f, current, hovered);
        MigPath path = MigrationFsm.path(f, current, hovered);
        assertThat(h.preview()).contains(path);
        List<Arc> arcs = path.isRefused() ? List.of() : path.arcs();
        for (Arc a : MigrationFsm.allArcs()) {
            int i = arcs.indexOf(a);
            assertThat(h.classesOf(a.id()).contains(GraphHighlight.ON_PATH)).as(a.id()).isEqualTo(i >= 0);
            assertThat(h.steps().get(a.id())).isEqualTo(i >= 0 ? Integer.valueOf(i + 1) : null);
        }
        if (path.isRefused()) {
            assertThat(h.caption()).contains(path.refusal().reason());
        }
    }

    @Test
    void errorIsNeverUnsupportedButAlwaysRefused() {
        for (MigFeatures f : MigFeatures.VALID_SETS) {
            GraphHighlight h = GraphHighlight.of(f, MigState.RUNNING, null);
            assertThat(h.classesOf("state-ERROR")).containsExactly(GraphHighlight.REFUSED);
        }
    }

    @Test
    void withoutADeviceNothingIsClassified() {
        GraphHighlight h = GraphHighlight.of(null, null, MigState.STOP);
        assertThat(h.classes().values()).allSatisfy(c -> assertThat(c).isEmpty());
        assertThat(h.preview()).isEmpty();
    }

    @Test
    void stopCopyToPreCopyShowsTheUapiReason() {
        GraphHighlight h = GraphHighlight.of(MigFeatures.ALL, MigState.STOP_COPY, MigState.PRE_COPY);
        assertThat(h.caption()).contains("refused (EINVAL)").contains("not permitted by the uAPI");
        assertThat(h.classesOf("state-PRE_COPY")).contains(GraphHighlight.REFUSED, GraphHighlight.HOVERED);
    }
}
