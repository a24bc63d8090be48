package dev.migscope.qemu;

import static dev.migscope.fsm.MigState.PRE_COPY;
import static dev.migscope.fsm.MigState.PRE_COPY_P2P;
import static dev.migscope.fsm.MigState.RESUMING;
import static dev.migscope.fsm.MigState.RUNNING;
import static dev.migscope.fsm.MigState.RUNNING_P2P;
import static dev.migscope.fsm.MigState.STOP;
import static dev.migscope.fsm.MigState.STOP_COPY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeatures;
import org.junit.jupiter.api.Test;

/** The steps the kernel takes by itself for one SET QEMU made (vfio_mig_get_next_state's loop). */
class KernelPathTest {

    @Test
    void resumingToRunningP2pPassesStopAndStopIsTheKernels() {
        KernelPath p = KernelPath.of(MigFeatures.ALL, RESUMING, RUNNING_P2P);
        assertThat(p.states()).containsExactly(RESUMING, STOP, RUNNING_P2P);
        assertThat(p.kernelSteps()).containsExactly(STOP);
        assertThat(p.isKernelStep(new Arc(RESUMING, STOP))).isTrue();
        assertThat(p.isKernelStep(new Arc(STOP, RUNNING_P2P))).isFalse();
        assertThat(p.allowed()).isTrue();
        assertThat(p.format()).isEqualTo("RESUMING>STOP>RUNNING_P2P");
    }

    @Test
    void aDirectArcHasNoKernelStep() {
        KernelPath p = KernelPath.of(MigFeatures.ALL, PRE_COPY_P2P, STOP_COPY);
        assertThat(p.states()).containsExactly(PRE_COPY_P2P, STOP_COPY);
        assertThat(p.kernelSteps()).isEmpty();
    }

    @Test
    void theWalkDependsOnTheFeatures() {
        assertThat(KernelPath.of(MigFeatures.ALL, RUNNING, STOP).kernelSteps()).containsExactly(RUNNING_P2P);
        assertThat(KernelPath.of(MigFeatures.STOP_COPY_ONLY, RUNNING, STOP).kernelSteps()).isEmpty();
        assertThat(KernelPath.of(MigFeatures.STOP_COPY_ONLY, RESUMING, RUNNING).states())
                .containsExactly(RESUMING, STOP, RUNNING);
    }

    @Test
    void aChangeTheFsmRefusesIsDrawnDirectAndFlagged() {
        KernelPath p = KernelPath.of(MigFeatures.ALL, STOP_COPY, PRE_COPY);
        assertThat(p.allowed()).isFalse();
        assertThat(p.states()).containsExactly(STOP_COPY, PRE_COPY);
        assertThat(p.kernelSteps()).isEmpty();
    }
}
