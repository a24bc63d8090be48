package dev.migscope.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.fsm.MigFeatures;
import dev.migscope.testsupport.FakeDevice;
import dev.migscope.fsm.MigState;
import dev.migscope.view.StateChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A driven session keeps the states its device reached, on its telemetry clock: the charts' phase bands. */
class SessionStateChangesTest extends FakeHarness {

    @Test
    void eachStateTheDeviceReachedIsKeptWithItsTimeOnTheSessionsClock() throws Exception {
        FakeDevice d = device("spans", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());
        clock.advance(Duration.ofSeconds(2));
        assertThat(join(s.transition(MigState.PRE_COPY)).ok()).isTrue();
        clock.advance(Duration.ofSeconds(3));
        assertThat(join(s.transition(MigState.STOP_COPY)).ok()).isTrue();

        List<StateChange> changes = s.stateChanges();
        assertThat(changes).extracting(StateChange::state).containsExactly(MigState.RUNNING, MigState.PRE_COPY,
                MigState.PRE_COPY_P2P, MigState.STOP_COPY);
        assertThat(changes.get(0).timeNanos()).isZero();
        assertThat(changes.get(1).timeNanos()).isEqualTo(Duration.ofSeconds(2).toNanos());
        assertThat(changes.get(3).timeNanos()).isEqualTo(Duration.ofSeconds(5).toNanos());
    }

    @Test
    void aRemovedListenerHearsNoMoreAndTheLostSentenceFollowsTheDevice() throws Exception {
        FakeDevice d = device("listeners", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());
        List<Object> heard = new ArrayList<>();
        dev.migscope.view.DeviceListener l = heard::add;
        s.addListener(l);
        join(s.transition(MigState.STOP));
        int before = heard.size();
        assertThat(before).isPositive();
        s.removeListener(l);
        join(s.transition(MigState.RUNNING));
        assertThat(heard).hasSize(before);
        assertThat(s.lost()).isEmpty();
        assertThat(s.isGone()).isFalse();
        assertThat(s.isPassive()).isFalse();
        assertThat(s.control()).containsSame(s);
    }
}
