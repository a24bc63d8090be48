package dev.migscope.fsm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class V1StateTest {

    /** v1's VFIO_DEVICE_STATE_VALID: RESUMING only alone; so 5, 6 and 7 were invalid. */
    @Test
    void validityFollowsTheV1Macro() {
        assertThat(V1State.all().stream().filter(V1State::valid).map(V1State::bits).toList())
                .containsExactly(0, 1, 2, 3, 4);
    }

    @Test
    void everyValidCombinationHasAV2Successor() {
        assertThat(new V1State(0).v2()).contains(MigState.STOP);
        assertThat(new V1State(V1State.RUNNING).v2()).contains(MigState.RUNNING);
        assertThat(new V1State(V1State.SAVING).v2()).contains(MigState.STOP_COPY);
        assertThat(new V1State(V1State.RUNNING | V1State.SAVING).v2()).contains(MigState.PRE_COPY);
        assertThat(new V1State(V1State.RESUMING).v2()).contains(MigState.RESUMING);
        assertThat(new V1State(V1State.SAVING | V1State.RESUMING).isError()).isTrue();
        assertThat(new V1State(V1State.SAVING | V1State.RESUMING).v2()).contains(MigState.ERROR);
        assertThat(new V1State(V1State.RUNNING | V1State.RESUMING).v2()).isEmpty();
        assertThat(V1State.all()).allSatisfy(s -> assertThat(s.note()).isNotBlank());
    }
}
