package dev.migscope.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.migscope.device.Errno;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.ArcEffect;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every (from, target) pair on each feature set walks MigrationFsm's path, with the kernel's data_fd behaviour. */
class SimFsmPathTest {

    static String[] devices() {
        return Sims.ONE_PER_FEATURE_SET;
    }

    @ParameterizedTest
    @MethodSource("devices")
    void everyPairEndsWhereTheFsmSaysWithTheRightDataFd(String id) throws Exception {
        SimBackend backend = new SimBackend(new ManualClock());
        try (SimSession s = Sims.open(backend, id)) {
            MigFeatures features = s.migrationFeatures();
            byte[] ownSave = Sims.saveByStopCopy(s);
            s.reset();
            int pairs = 0;
            for (MigState from : MigState.values()) {
                if (from != MigState.ERROR && !features.supports(from)) {
                    continue;
                }
                for (MigState target : MigState.values()) {
                    String pair = id + " " + from + " -> " + target;
                    MigrationStream old = bringTo(s, features, from, ownSave);
                    MigPath path = MigrationFsm.path(features, from, target);
                    // The driver loop `while (state != target)` never asks the table when the device is
                    // already there, so SET ERROR in ERROR succeeds though path() calls the pair refused.
                    boolean driverNoOp = from == MigState.ERROR && target == MigState.ERROR;
                    if (path.isRefused() && !driverNoOp) {
                        VfioException e = catchThrowableOfType(() -> s.setState(target), VfioException.class);
                        assertThat(e).as(pair).isNotNull();
                        assertThat(e.error().is(Errno.EINVAL)).as(pair).isTrue();
                        assertThat(e.error().call()).isEqualTo("SET MIG_DEVICE_STATE");
                        assertThat(s.getState()).as(pair + " state after refusal").isEqualTo(from);
                        if (old != null) {
                            assertThat(alive(old, from)).as(pair + " data_fd survives a refusal").isTrue();
                        }
                    } else {
                        Optional<MigrationStream> fd = s.setState(target);
                        assertThat(s.getState()).as(pair).isEqualTo(target);
                        boolean opens = !driverNoOp && !path.arcs().isEmpty()
                                && path.arcs().get(path.arcs().size() - 1).effect().opensDataFd();
                        assertThat(fd.isPresent()).as(pair + " returns a data_fd").isEqualTo(opens);
                        if (old != null && !driverNoOp) {
                            boolean ends = path.arcs().stream().map(Arc::effect).anyMatch(ArcEffect::endsSession);
                            assertThat(alive(old, from)).as(pair + " old data_fd still usable").isEqualTo(!ends);
                        }
                    }
                    pairs++;
                    s.reset();
                }
            }
            assertThat(pairs).isEqualTo((features.list().size() == 3 ? 8 : features.list().size() == 2 ? 6 : 5) * 8);
        }
    }

    /** Puts the device (RUNNING after reset) into {@code from}; returns the data_fd that state has, if any. */
    private static MigrationStream bringTo(SimSession s, MigFeatures features, MigState from, byte[] ownSave)
            throws VfioException {
        if (from == MigState.ERROR) {
            MigState first = MigrationFsm.nextStep(features, MigState.RUNNING, MigState.STOP).states().get(1);
            s.injectFault(new Arc(MigState.RUNNING, first), Errno.EIO, true);
            assertThatThrownBy(() -> s.setState(MigState.STOP)).isInstanceOf(VfioException.class);
            assertThat(s.getState()).isEqualTo(MigState.ERROR);
            return null;
        }
        MigrationStream fd = s.setState(from).orElse(null);
        if (from == MigState.RESUMING) {
            Sims.writeAll(fd, ownSave);
        }
        assertThat(s.getState()).isEqualTo(from);
        return fd;
    }

    private static boolean alive(MigrationStream fd, MigState openedIn) {
        try {
            if (openedIn == MigState.RESUMING) {
                fd.write(ByteBuffer.allocate(0));
            } else {
                fd.read(ByteBuffer.allocate(0));
            }
            return true;
        } catch (VfioException e) {
            assertThat(e.error().is(Errno.ENODEV)).as(e.getMessage()).isTrue();
            return false;
        }
    }
}
