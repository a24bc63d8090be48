package dev.migscope.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.migscope.device.Errno;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** PRECOPY_INFOv2 on the simulator: REINIT only after the opt-in, flags echoed before it, and xe's RUNNING_P2P. */
class SimPrecopyInfoV2Test {

    private static final long PAGE = SimProfile.PAGE_BYTES;

    /** A small device that reconfigures once during PRE_COPY and dirties nothing by itself. */
    private static SimBackend reinitBackend() {
        return new SimBackend(new ManualClock(), Map.of("sim:reinit-0", new SimProfile("sim_quirk", MigFeatures.ALL,
                "migscope", "reinit test device", 8 * PAGE, 4 * PAGE, 0, 1L << 40, false, 0,
                Set.of(Quirk.REINIT_IN_PRE_COPY))));
    }

    /** PRECOPY_INFO after every page-sized read of PRE_COPY, until its temporary end. */
    private static List<PrecopyInfo> readPreCopy(MigrationStream fd, int flagsIn) throws VfioException {
        List<PrecopyInfo> infos = new ArrayList<>();
        infos.add(fd.precopyInfo(flagsIn));
        ByteBuffer buf = ByteBuffer.allocate((int) PAGE);
        while (fd.read(buf.clear()) > 0) {
            infos.add(fd.precopyInfo(flagsIn));
        }
        return infos;
    }

    @Test
    void afterTheOptInTheReconfigurationSaysReinitOnceWithInitialBytesGrowingAndDirtyBytesRestarting() throws Exception {
        try (SimSession s = Sims.open(reinitBackend(), "sim:reinit-0")) {
            s.enablePrecopyInfoV2();
            List<PrecopyInfo> infos = readPreCopy(s.setState(MigState.PRE_COPY).orElseThrow(), 0);

            List<Integer> reinits = new ArrayList<>();
            for (int i = 0; i < infos.size(); i++) {
                if (infos.get(i).reinit()) {
                    reinits.add(i);
                }
            }
            assertThat(reinits).hasSize(1);
            PrecopyInfo before = infos.get(reinits.get(0) - 1);
            PrecopyInfo at = infos.get(reinits.get(0));
            assertThat(at.initialBytes()).isGreaterThan(before.initialBytes());
            assertThat(at.dirtyBytes()).isZero();
            assertThat(infos).allSatisfy(i -> assertThat(i.flags() & ~PrecopyInfo.REINIT).isZero());
        }
    }

    @Test
    void withoutTheOptInNoReinitAndInitialBytesNeverGrows() throws Exception {
        try (SimSession s = Sims.open(reinitBackend(), "sim:reinit-0")) {
            List<PrecopyInfo> infos = readPreCopy(s.setState(MigState.PRE_COPY).orElseThrow(), 0);

            assertThat(infos).allSatisfy(i -> assertThat(i.flags()).isZero());
            for (int i = 1; i < infos.size(); i++) {
                assertThat(infos.get(i).initialBytes()).isLessThanOrEqualTo(infos.get(i - 1).initialBytes());
            }
            assertThat(infos).as("the new data went out as dirty_bytes").anySatisfy(i ->
                    assertThat(i.dirtyBytes()).isPositive());
        }
    }

    @Test
    void withoutTheOptInTheFlagsGoBackAsTheyCameAfterItTheyAreOutputOnly() throws Exception {
        try (SimSession s = Sims.open(new SimBackend(new ManualClock()), "sim:mlx5-0")) {
            MigrationStream fd = s.setState(MigState.PRE_COPY).orElseThrow();
            assertThat(fd.precopyInfo(1 << 31).flags()).isEqualTo(1 << 31);

            s.enablePrecopyInfoV2();
            assertThat(fd.precopyInfo(1 << 31).flags()).isZero();
        }
    }

    @Test
    void theOptInLastsUntilTheDeviceIsClosed() throws Exception {
        SimBackend backend = new SimBackend(new ManualClock());
        try (SimSession s = Sims.open(backend, "sim:mlx5-0")) {
            s.enablePrecopyInfoV2();
        }
        try (SimSession s = Sims.open(backend, "sim:mlx5-0")) {
            assertThat(s.setState(MigState.PRE_COPY).orElseThrow().precopyInfo(4).flags()).isEqualTo(4);
        }
    }

    @Test
    void theStandardReinitDeviceIsListedAndReportsReinitAfterTheOptIn() throws Exception {
        SimBackend backend = new SimBackend(new ManualClock());
        assertThat(backend.list()).anySatisfy(d -> assertThat(d.id()).isEqualTo("sim:mlx5-reinit-0"));
        try (SimSession s = Sims.open(backend, "sim:mlx5-reinit-0")) {
            s.enablePrecopyInfoV2();
            assertThat(readPreCopy(s.setState(MigState.PRE_COPY).orElseThrow(), 0)).anyMatch(PrecopyInfo::reinit);
        }
    }

    @Test
    void xeHasStopCopyAndP2pOnlyRefusesTheOptInAndDoesNothingInRunningP2p() throws Exception {
        ManualClock clock = new ManualClock();
        SimBackend backend = new SimBackend(clock);
        try (SimSession s = Sims.open(backend, "sim:xe-0")) {
            assertThat(s.migrationFeatures()).isEqualTo(MigFeatures.parse("stop-copy,p2p"));
            assertThatThrownBy(s::enablePrecopyInfoV2).isInstanceOfSatisfying(VfioException.class,
                    e -> assertThat(e.error().is(Errno.EINVAL)).isTrue());

            s.setState(MigState.RUNNING_P2P);
            long digest = s.stateDigest();
            clock.advance(java.time.Duration.ofSeconds(2));
            assertThat(s.stateDigest()).as("RUNNING_P2P behaves as STOP").isEqualTo(digest);

            s.setState(MigState.RUNNING);
            clock.advance(java.time.Duration.ofSeconds(2));
            assertThat(s.stateDigest()).as("RUNNING dirties the state").isNotEqualTo(digest);
        }
        try (SimSession s = Sims.open(backend, "sim:pds-0")) {
            s.setState(MigState.RUNNING_P2P);
            long digest = s.stateDigest();
            clock.advance(java.time.Duration.ofSeconds(2));
            assertThat(s.stateDigest()).as("without the quirk RUNNING_P2P runs").isNotEqualTo(digest);
        }
    }
}
