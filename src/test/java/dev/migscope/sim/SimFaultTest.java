package dev.migscope.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.migscope.device.Errno;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigState;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Injected failures leave the device where the driver loop left it, or in ERROR until a reset. */
class SimFaultTest {

    private final SimBackend backend = new SimBackend(new ManualClock());

    @Test
    void aFailedStepLeavesTheStateReachedSoFarAndIsUsedOnce() throws Exception {
        try (SimSession s = Sims.open(backend, "sim:mlx5-0")) {
            s.injectFault(new Arc(MigState.RUNNING_P2P, MigState.STOP), Errno.EIO, false);
            VfioException e = catchThrowableOfType(() -> s.setState(MigState.STOP), VfioException.class);
            assertThat(e.error().is(Errno.EIO)).isTrue();
            assertThat(e.error().call()).isEqualTo("SET MIG_DEVICE_STATE");
            assertThat(e.error().message()).contains("arc-RUNNING_P2P-STOP");
            assertThat(s.getState()).as("RUNNING -> RUNNING_P2P was done").isEqualTo(MigState.RUNNING_P2P);
            s.setState(MigState.STOP);
            assertThat(s.getState()).isEqualTo(MigState.STOP);
        }
    }

    @Test
    void aFailedOpeningArcReturnsNoDataFd() throws Exception {
        try (SimSession s = Sims.open(backend, "sim:hisi-0")) {
            s.injectFault(new Arc(MigState.RUNNING, MigState.PRE_COPY), Errno.ENOMEM, false);
            VfioException e = catchThrowableOfType(() -> s.setState(MigState.PRE_COPY), VfioException.class);
            assertThat(e.error().is(Errno.ENOMEM)).isTrue();
            assertThat(s.getState()).isEqualTo(MigState.RUNNING);
            assertThat(s.setState(MigState.PRE_COPY)).isPresent();
        }
    }

    @Test
    void leaveInErrorThenOnlyResetHelps() throws Exception {
        try (SimSession s = Sims.open(backend, "sim:mlx5-0")) {
            MigrationStream fd = s.setState(MigState.PRE_COPY).orElseThrow();
            s.injectFault(new Arc(MigState.PRE_COPY, MigState.PRE_COPY_P2P), Errno.EIO, true);
            VfioException e = catchThrowableOfType(() -> s.setState(MigState.STOP_COPY), VfioException.class);
            assertThat(e.error().is(Errno.EIO)).isTrue();
            assertThat(s.getState()).isEqualTo(MigState.ERROR);
            assertThat(catchThrowableOfType(() -> fd.read(ByteBuffer.allocate(16)), VfioException.class)
                    .error().is(Errno.ENODEV)).as("ERROR loses the data transfer session").isTrue();
            for (MigState target : MigState.values()) {
                if (target == MigState.ERROR) {
                    assertThat(s.setState(target)).as("SET ERROR in ERROR is a no-op").isEmpty();
                } else {
                    VfioException refused = catchThrowableOfType(() -> s.setState(target), VfioException.class);
                    assertThat(refused.error().is(Errno.EINVAL)).as(target.name()).isTrue();
                }
                assertThat(s.getState()).isEqualTo(MigState.ERROR);
            }
            s.reset();
            assertThat(s.getState()).isEqualTo(MigState.RUNNING);
            assertThat(s.setState(MigState.PRE_COPY)).isPresent();
        }
    }

    @Test
    void clearFaultsRemovesInjectedAndRandomFaults() throws Exception {
        try (SimSession s = Sims.open(backend, "sim:pds-0")) {
            s.injectFault(new Arc(MigState.RUNNING, MigState.RUNNING_P2P), Errno.EIO, true);
            s.randomFaults(1, 1.0, Errno.EIO);
            s.clearFaults();
            s.setState(MigState.STOP);
            assertThat(s.getState()).isEqualTo(MigState.STOP);
        }
    }

    @Test
    void randomFaultsFailStepsWithoutLeavingTheWalk() throws Exception {
        try (SimSession s = Sims.open(backend, "sim:pds-0")) {
            s.randomFaults(42, 1.0, Errno.EAGAIN);
            VfioException e = catchThrowableOfType(() -> s.setState(MigState.STOP), VfioException.class);
            assertThat(e.error().is(Errno.EAGAIN)).isTrue();
            assertThat(s.getState()).isEqualTo(MigState.RUNNING);
            s.randomFaults(42, 0, Errno.EAGAIN);
            s.setState(MigState.STOP);
            assertThat(s.getState()).isEqualTo(MigState.STOP);
        }
    }

    @Test
    void resetEndsStreamsAndDmaLogging() throws Exception {
        try (SimSession s = Sims.open(backend, "sim:mlx5-0")) {
            s.dmaLoggingStart(4096, java.util.List.of(new dev.migscope.device.IovaRange(0, 1 << 20)));
            MigrationStream fd = s.setState(MigState.STOP_COPY).orElseThrow();
            s.reset();
            assertThat(s.getState()).isEqualTo(MigState.RUNNING);
            assertThat(catchThrowableOfType(() -> fd.read(ByteBuffer.allocate(16)), VfioException.class)
                    .error().is(Errno.ENODEV)).isTrue();
            assertThat(catchThrowableOfType(() -> s.dmaLoggingReport(0, 1 << 20, 4096), VfioException.class)
                    .error().is(Errno.EINVAL)).as("logging stopped").isTrue();
        }
    }
}
