package dev.migscope.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.fsm.MigState;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VfioMigrationStateTest {

    /** QapiVfioMigrationState's data, as qapi/vfio.json lists it (QEMU 11). */
    private static final List<String> QAPI = List.of("stop", "running", "stop-copy", "resuming", "running-p2p",
            "pre-copy", "pre-copy-p2p", "pre-copy-p2p-prepare");

    @ParameterizedTest
    @CsvSource({"stop, STOP, false", "running, RUNNING, false", "stop-copy, STOP_COPY, false",
        "resuming, RESUMING, false", "running-p2p, RUNNING_P2P, false", "pre-copy, PRE_COPY, false",
        "pre-copy-p2p, PRE_COPY_P2P, false", "pre-copy-p2p-prepare, PRE_COPY_P2P, true"})
    void qemusSpellingMapsToTheUapiState(String qapi, MigState state, boolean prepare) {
        VfioMigrationState s = VfioMigrationState.parse(qapi).orElseThrow();
        assertThat(s.state()).isEqualTo(state);
        assertThat(s.isPrepare()).isEqualTo(prepare);
        assertThat(s.qapiName()).isEqualTo(qapi);
    }

    @Test
    void everyQapiValueIsMappedAndNothingElse() {
        assertThat(Arrays.stream(VfioMigrationState.values()).map(VfioMigrationState::qapiName))
                .containsExactlyElementsOf(QAPI);
        assertThat(VfioMigrationState.parse("STOP_COPY")).isEmpty();
        assertThat(VfioMigrationState.parse("error")).isEmpty();
    }
}
