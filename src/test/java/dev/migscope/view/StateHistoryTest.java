package dev.migscope.view;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.fsm.MigState;
import org.junit.jupiter.api.Test;

class StateHistoryTest {

    @Test
    void aStateReadAgainIsNoChangeAndTheChangesKeepTheirOrder() {
        StateHistory h = new StateHistory();
        h.reached(0, MigState.RUNNING);
        h.reached(5, MigState.RUNNING);
        h.reached(10, MigState.PRE_COPY);
        h.reached(20, MigState.STOP_COPY);
        h.reached(25, null);
        assertThat(h.list()).containsExactly(new StateChange(0, MigState.RUNNING),
                new StateChange(10, MigState.PRE_COPY), new StateChange(20, MigState.STOP_COPY));
    }

    @Test
    void aDeviceToggledForHoursKeepsItsLatestChangesOnly() {
        StateHistory h = new StateHistory();
        int n = StateHistory.CAPACITY * 3 + 7;
        for (int i = 0; i < n; i++) {
            h.reached(i, i % 2 == 0 ? MigState.RUNNING : MigState.RUNNING_P2P);
        }
        assertThat(h.list()).hasSize(StateHistory.CAPACITY);
        assertThat(h.list().get(0).timeNanos()).isEqualTo(n - StateHistory.CAPACITY);
        assertThat(h.list().get(StateHistory.CAPACITY - 1).timeNanos()).isEqualTo(n - 1);
    }
}
