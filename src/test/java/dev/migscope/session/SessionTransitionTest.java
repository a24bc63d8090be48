package dev.migscope.session;

import dev.migscope.view.DeviceEvent;

import static dev.migscope.fsm.MigState.ERROR;
import static dev.migscope.fsm.MigState.PRE_COPY;
import static dev.migscope.fsm.MigState.PRE_COPY_P2P;
import static dev.migscope.fsm.MigState.RESUMING;
import static dev.migscope.fsm.MigState.RUNNING;
import static dev.migscope.fsm.MigState.RUNNING_P2P;
import static dev.migscope.fsm.MigState.STOP;
import static dev.migscope.fsm.MigState.STOP_COPY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.migscope.device.Errno;
import dev.migscope.view.TransitionResult;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.fsm.Refusal;
import dev.migscope.testsupport.FakeBackend;
import dev.migscope.testsupport.FakeDevice;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The one transition path, against a fake device whose every call can fail where the test says. */
class SessionTransitionTest extends FakeHarness {

    /** Every state as a target, twice, in an order that crosses the whole graph. */
    private static final List<MigState> TOUR = List.of(STOP_COPY, RUNNING, PRE_COPY, STOP, RESUMING, RUNNING_P2P,
            PRE_COPY_P2P, STOP, PRE_COPY, STOP_COPY, RESUMING, PRE_COPY_P2P, RUNNING, ERROR, STOP_COPY, STOP,
            RUNNING_P2P, RUNNING);

    static Stream<MigFeatures> featureSets() {
        return MigFeatures.VALID_SETS.stream();
    }

    private static List<Arc> arcs(TransitionResult r) {
        return r.steps().stream().map(s -> new Arc(s.from(), s.to())).toList();
    }

    @ParameterizedTest
    @MethodSource("featureSets")
    void stepwiseSetsEveryArcOfTheKernelPathOrNothingWhenRefused(MigFeatures f) throws Exception {
        FakeDevice d = device("tour", f);
        d.acceptEmptyResume();
        MigrationSession s = open(d, quiet());
        for (MigState target : TOUR) {
            MigState from = d.state();
            int setsBefore = d.sets().size();
            MigPath path = MigrationFsm.path(f, from, target);
            TransitionResult r = join(s.transition(target));

            assertThat(r.from()).isEqualTo(from);
            assertThat(r.requested()).isEqualTo(target);
            if (path.isRefused()) {
                assertThat(r.refusal()).isEqualTo(path.refusal());
                assertThat(r.steps()).isEmpty();
                assertThat(r.finalState()).isEqualTo(from);
                assertThat(d.sets()).hasSize(setsBefore);
                assertThat(r.ok()).isFalse();
            } else {
                assertThat(arcs(r)).isEqualTo(path.arcs());
                assertThat(r.steps()).allMatch(TransitionResult.Step::ok);
                assertThat(d.sets().subList(setsBefore, d.sets().size()))
                        .isEqualTo(path.states().subList(1, path.states().size()));
                assertThat(r.ok()).isTrue();
                assertThat(r.finalState()).isEqualTo(target);
                assertThat(r.error()).isNull();
            }
            assertThat(s.state()).isEqualTo(d.state()).isEqualTo(r.finalState());
        }
    }

    @ParameterizedTest
    @MethodSource("featureSets")
    void kernelModeMakesOneSetAndReportsOneStep(MigFeatures f) throws Exception {
        FakeDevice d = device("kernel", f);
        d.acceptEmptyResume();
        MigrationSession s = open(d, quiet().withMode(TransitionMode.KERNEL));
        for (MigState target : TOUR) {
            MigState from = d.state();
            int setsBefore = d.sets().size();
            MigPath path = MigrationFsm.path(f, from, target);
            TransitionResult r = join(s.transition(target));
            if (path.isRefused() || from == target) {
                assertThat(r.steps()).isEmpty();
                assertThat(d.sets()).hasSize(setsBefore);
            } else {
                assertThat(arcs(r)).containsExactly(new Arc(from, target));
                assertThat(d.sets().subList(setsBefore, d.sets().size())).containsExactly(target);
                assertThat(r.finalState()).isEqualTo(target);
            }
            assertThat(s.state()).isEqualTo(d.state());
        }
    }

    @Test
    void theSameStateIsNoCall() throws Exception {
        FakeDevice d = device("same", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());
        TransitionResult r = join(s.transition(RUNNING));
        assertThat(r.ok()).isTrue();
        assertThat(r.steps()).isEmpty();
        assertThat(d.sets()).isEmpty();
    }

    @Test
    void refusalsNameTheirReasonAndMakeNoSet() throws Exception {
        FakeDevice only = device("only", MigFeatures.STOP_COPY_ONLY);
        MigrationSession s = open(only, quiet());
        assertThat(join(s.transition(PRE_COPY)).refusal()).isEqualTo(Refusal.TARGET_NEEDS_FEATURE);
        assertThat(join(s.transition(RUNNING_P2P)).refusal()).isEqualTo(Refusal.TARGET_NEEDS_FEATURE);
        assertThat(join(s.transition(ERROR)).refusal()).isEqualTo(Refusal.TARGET_IS_ERROR);
        assertThat(only.sets()).isEmpty();

        FakeDevice all = device("all", MigFeatures.ALL);
        MigrationSession t = open(all, quiet());
        join(t.transition(STOP_COPY));
        int sets = all.sets().size();
        TransitionResult r = join(t.transition(PRE_COPY_P2P));
        assertThat(r.refusal()).isEqualTo(Refusal.STOP_COPY_TO_PRE_COPY);
        assertThat(r.summary()).contains("refused (EINVAL)").contains("device is STOP_COPY");
        assertThat(all.sets()).hasSize(sets);
        assertThat(events(DeviceEvent.Kind.TRANSITION)).anyMatch(e -> e.refusal() == Refusal.STOP_COPY_TO_PRE_COPY);
    }

    @Test
    void aDisarmedSessionRefusesEveryChangeAndTouchesNothing() throws Exception {
        FakeDevice d = device("disarmed", MigFeatures.ALL);
        MigrationSession s = open(d, quiet().withArmed(false));
        assertThat(s.isArmed()).isFalse();
        for (MigState target : MigState.values()) {
            TransitionResult r = join(s.transition(target));
            assertThat(r.error()).isNotNull();
            assertThat(r.error().is(Errno.EPERM)).isTrue();
            assertThat(r.error().message()).contains("not armed");
            assertThat(r.ok()).isFalse();
        }
        TransitionResult reset = join(s.reset());
        assertThat(reset.error().is(Errno.EPERM)).isTrue();
        assertThat(reset.steps()).isEmpty();
        assertThat(join(s.startDmaLogging(4096, List.of(new dev.migscope.device.IovaRange(0, 1 << 20)))))
                .hasValueSatisfying(e -> assertThat(e.is(Errno.EPERM)).isTrue());
        assertThat(join(s.stopDmaLogging())).hasValueSatisfying(e -> assertThat(e.is(Errno.EPERM)).isTrue());
        assertThat(d.sets()).isEmpty();
        assertThat(d.resets()).isZero();
        assertThat(d.isDmaLoggingActive()).isFalse();
        assertThat(d.state()).isEqualTo(RUNNING);

        s.setArmed(true);
        assertThat(join(s.transition(STOP)).ok()).isTrue();
        s.setArmed(false);
        assertThat(join(s.transition(RUNNING)).ok()).isFalse();
        assertThat(d.state()).isEqualTo(STOP);
    }

    @Test
    void aFailedKernelWalkIsReReadAndReportsWhereTheDeviceStopped() throws Exception {
        FakeDevice d = device("midpath", MigFeatures.ALL);
        MigrationSession s = open(d, quiet().withMode(TransitionMode.KERNEL));
        // RUNNING > RUNNING_P2P > STOP > STOP_COPY: the driver fails the last arc and stays in STOP.
        d.failArc(STOP, STOP_COPY, Errno.EIO, null);
        TransitionResult r = join(s.transition(STOP_COPY));
        assertThat(r.error()).isNotNull();
        assertThat(r.error().is(Errno.EIO)).isTrue();
        assertThat(r.finalState()).isEqualTo(STOP);
        assertThat(s.state()).isEqualTo(STOP);
        assertThat(r.steps()).hasSize(1);
        assertThat(r.steps().get(0).ok()).isFalse();
        assertThat(r.dataFd()).isEqualTo(-1);
        assertThat(r.summary()).contains("EIO").contains("device is STOP");
    }

    @Test
    void aFailedStepIsReReadEvenWhenTheDriverRolledBack() throws Exception {
        FakeDevice d = device("rollback", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());
        // The second arc fails and the driver returns to RUNNING, not to RUNNING_P2P where the session was.
        d.failArc(RUNNING_P2P, STOP, Errno.EBUSY, RUNNING);
        TransitionResult r = join(s.transition(STOP));
        assertThat(arcs(r)).containsExactly(new Arc(RUNNING, RUNNING_P2P), new Arc(RUNNING_P2P, STOP));
        assertThat(r.steps().get(0).ok()).isTrue();
        assertThat(r.steps().get(1).error().is(Errno.EBUSY)).isTrue();
        assertThat(r.finalState()).isEqualTo(RUNNING);
        assertThat(s.state()).isEqualTo(RUNNING);
        assertThat(d.sets()).containsExactly(RUNNING_P2P, STOP);
    }

    @Test
    void errorIsLeftOnlyByReset() throws Exception {
        FakeDevice d = device("error", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());
        d.failArc(RUNNING, PRE_COPY, Errno.EIO, ERROR);
        TransitionResult r = join(s.transition(PRE_COPY));
        assertThat(r.finalState()).isEqualTo(ERROR);
        assertThat(s.state()).isEqualTo(ERROR);
        int sets = d.sets().size();
        for (MigState target : MigState.values()) {
            TransitionResult t = join(s.transition(target));
            assertThat(t.refusal()).isEqualTo(Refusal.FROM_ERROR);
            assertThat(t.finalState()).isEqualTo(ERROR);
        }
        assertThat(d.sets()).hasSize(sets);
        TransitionResult reset = join(s.reset());
        assertThat(reset.ok()).isTrue();
        assertThat(reset.from()).isEqualTo(ERROR);
        assertThat(reset.finalState()).isEqualTo(RUNNING);
        assertThat(s.state()).isEqualTo(RUNNING);
        assertThat(d.resets()).isEqualTo(1);
        assertThat(join(s.transition(STOP_COPY)).ok()).isTrue();
    }

    @Test
    void whenEvenTheReReadFailsTheStateIsUnknownAndTheFirstErrorIsKept() throws Exception {
        FakeDevice d = device("blind", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());
        d.failArcAndGets(RUNNING, RUNNING_P2P, Errno.EIO, null, 1);
        TransitionResult r = join(s.transition(STOP));
        assertThat(r.finalState()).isNull();
        assertThat(r.error().call()).contains("SET");
        assertThat(r.summary()).contains("unknown state");
        assertThat(r.ok()).isFalse();
        assertThat(join(s.refreshState())).isEqualTo(RUNNING);
        assertThat(s.state()).isEqualTo(RUNNING);
    }

    @Test
    void aFailedGetBeforeTheWalkMakesNoSet() throws Exception {
        FakeDevice d = device("noget", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());
        d.failNextGets(1, Errno.EIO);
        TransitionResult r = join(s.transition(STOP));
        assertThat(r.error().is(Errno.EIO)).isTrue();
        assertThat(r.error().call()).contains("GET");
        assertThat(r.steps()).isEmpty();
        assertThat(d.sets()).isEmpty();
        assertThat(join(s.transition(STOP)).ok()).isTrue();
    }

    @Test
    void aFailedResetIsReportedAndReRead() throws Exception {
        FakeDevice d = device("badreset", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());
        d.force(ERROR);
        assertThat(join(s.refreshState())).isEqualTo(ERROR);
        d.unplug();
        TransitionResult r = join(s.reset());
        assertThat(r.ok()).isFalse();
        assertThat(r.error().is(Errno.ENODEV)).isTrue();
        assertThat(s.isGone()).isTrue();
    }

    @Test
    void changesOfTheDeviceBehindTheSessionAreSeenByTheNextTransition() throws Exception {
        FakeDevice d = device("behind", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());
        d.force(STOP);
        TransitionResult r = join(s.transition(RUNNING));
        assertThat(r.from()).isEqualTo(STOP);
        assertThat(arcs(r)).containsExactly(new Arc(STOP, RUNNING_P2P), new Arc(RUNNING_P2P, RUNNING));
    }

    @Test
    void theDataFdOfASaveArcIsReportedAndClosedWhenTheSessionEnds() throws Exception {
        FakeDevice d = device("fd", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());
        TransitionResult r = join(s.transition(PRE_COPY));
        assertThat(r.dataFd()).isGreaterThan(0);
        assertThat(r.steps().get(0).dataFd()).isEqualTo(r.dataFd());
        TransitionResult stopCopy = join(s.transition(STOP_COPY));
        assertThat(stopCopy.dataFd()).isEqualTo(-1); // the same data_fd goes on
        assertThat(d.hasOpenStream()).isTrue();
        join(s.transition(STOP));
        assertThat(d.hasOpenStream()).isFalse();
    }

    @Test
    void openingAnUnknownOrUnmigratableDeviceFailsWithASentence() {
        FakeBackend b = new FakeBackend();
        assertThatThrownBy(() -> open(b, "fake:none", quiet())).isInstanceOf(VfioException.class)
                .satisfies(e -> assertThat(((VfioException) e).error().is(Errno.ENODEV)).isTrue());
        FakeDevice d = device("plain", MigFeatures.ALL);
        d.noMigration();
        assertThatThrownBy(() -> open(d, quiet())).isInstanceOf(VfioException.class)
                .hasMessageContaining("no migration support").hasMessageContaining("fake_vfio_pci");
        assertThat(d.isClosed()).isTrue();
    }

    @Test
    void closeClosesTheDeviceOnceAndLaterCallsFail() throws Exception {
        FakeDevice d = device("close", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());
        join(s.transition(PRE_COPY));
        s.close();
        s.close();
        assertThat(d.isClosed()).isTrue();
        assertThat(d.hasOpenStream()).isFalse();
        assertThat(events(DeviceEvent.Kind.CLOSE)).hasSize(1);
        assertThatThrownBy(() -> join(s.transition(RUNNING))).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
    }
}
