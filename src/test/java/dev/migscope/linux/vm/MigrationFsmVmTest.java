package dev.migscope.linux.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.migscope.device.DeviceSession;
import dev.migscope.device.Errno;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** mtty (STOP_COPY|P2P|PRE_COPY) against fsm: the kernel must walk exactly the table fsm holds. */
@Tag("vm")
class MigrationFsmVmTest {

    @AfterAll
    static void leaveTheMttysRunning() throws VfioException {
        VmRig.resetAll();
    }

    static Stream<Arc> directArcs() {
        return MigrationFsm.directArcs(MigFeatures.ALL).stream();
    }

    /** Every (from, to) pair the kernel walks in more than one arc. */
    static Stream<Arguments> multiStepPairs() {
        List<Arguments> pairs = new ArrayList<>();
        for (MigState from : MigState.values()) {
            for (MigState to : MigState.values()) {
                MigPath p = MigrationFsm.path(MigFeatures.ALL, from, to);
                if (!p.isRefused() && p.arcs().size() > 1) {
                    pairs.add(Arguments.of(from, to, p));
                }
            }
        }
        return pairs.stream();
    }

    /** Every refused pair whose source mtty can be put in (ERROR cannot be reached without a fault). */
    static Stream<Arguments> refusedPairs() {
        List<Arguments> pairs = new ArrayList<>();
        for (MigState from : MigState.values()) {
            for (MigState to : MigState.values()) {
                MigPath p = MigrationFsm.path(MigFeatures.ALL, from, to);
                if (from != MigState.ERROR && p.isRefused()) {
                    pairs.add(Arguments.of(from, to));
                }
            }
        }
        return pairs.stream();
    }

    @Test
    void mttyReportsAllThreeFeatures() throws VfioException {
        try (DeviceSession s = VmRig.openFresh(VmRig.mtty(0))) {
            assertThat(s.migrationFeatures()).isEqualTo(MigFeatures.ALL);
        }
    }

    @Test
    void theFsmHasRefusalsToTest() {
        // STOP_COPY -> PRE_COPY(_P2P) and every "-> ERROR": a guard against an empty source.
        assertThat(refusedPairs()).hasSizeGreaterThanOrEqualTo(9);
        assertThat(multiStepPairs()).isNotEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("directArcs")
    void everyDirectArcIsOneSet(Arc arc) throws VfioException {
        try (DeviceSession s = VmRig.openFresh(VmRig.mtty(0))) {
            VmRig.walk(s, arc.from());

            Optional<MigrationStream> fd = s.setState(arc.to());

            assertThat(s.getState()).isEqualTo(arc.to());
            assertThat(fd.isPresent()).as("data_fd returned").isEqualTo(arc.effect().opensDataFd());
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("multiStepPairs")
    void everyMultiStepPairIsWalkedByTheKernelInOneSet(MigState from, MigState to, MigPath path) throws VfioException {
        try (DeviceSession s = VmRig.openFresh(VmRig.mtty(0))) {
            VmRig.walk(s, from);

            Optional<MigrationStream> fd = s.setState(to);

            assertThat(s.getState()).as("after %s", path.format()).isEqualTo(to);
            Arc last = path.arcs().get(path.arcs().size() - 1);
            assertThat(fd.isPresent()).as("data_fd returned by %s", path.format())
                    .isEqualTo(last.effect().opensDataFd());
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("refusedPairs")
    void everyRefusalIsEinvalAndLeavesTheState(MigState from, MigState to) throws VfioException {
        try (DeviceSession s = VmRig.openFresh(VmRig.mtty(0))) {
            VmRig.walk(s, from);

            assertThatThrownBy(() -> s.setState(to)).isInstanceOfSatisfying(VfioException.class, e -> {
                assertThat(e.error().is(Errno.EINVAL)).as(e.error().describe()).isTrue();
                assertThat(e.error().message()).contains("re-read");
            });
            assertThat(s.getState()).isEqualTo(from);
        }
    }

    @ParameterizedTest
    @EnumSource(value = MigState.class, names = "ERROR", mode = EnumSource.Mode.EXCLUDE)
    void resetFromEveryStateReturnsRunning(MigState state) throws VfioException {
        try (DeviceSession s = VmRig.openFresh(VmRig.mtty(0))) {
            VmRig.walk(s, state);
            assertThat(s.getState()).isEqualTo(state);

            s.reset();

            assertThat(s.getState()).isEqualTo(MigState.RUNNING);
        }
    }

    @Test
    void setToTheCurrentStateChangesNothing() throws VfioException {
        try (DeviceSession s = VmRig.openFresh(VmRig.mtty(0))) {
            assertThat(s.setState(MigState.RUNNING)).isEmpty();
            assertThat(s.getState()).isEqualTo(MigState.RUNNING);
        }
    }
}
