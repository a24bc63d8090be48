package dev.migscope.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.SimulationControls;
import dev.migscope.device.VfioError;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigState;
import dev.migscope.session.MigrationSession;
import dev.migscope.session.SessionOptions;
import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.Sample;
import dev.migscope.testsupport.Sshd;
import dev.migscope.view.Cancellation;
import dev.migscope.view.DeviceEvent;
import dev.migscope.view.Progress;
import dev.migscope.view.StreamResult;
import dev.migscope.view.TransitionResult;
import dev.migscope.view.StateChange;
import org.testfx.util.WaitForAsyncUtils;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DMA logging and a simulated device's controls through a real sshd on 127.0.0.1 (Debian's
 * openssh-server) and the far side's {@code migscope agent} (this build, on simulated devices): what
 * the window does with them for a local device, it does for a device on another host.
 */
class RemoteDeviceTest {

    private static final List<IovaRange> RANGES = List.of(new IovaRange(0, 256L << 20));

    @TempDir
    static Path dir;

    private static Sshd sshd;
    private static RemoteHost host;

    @BeforeAll
    static void connect() throws Exception {
        sshd = Sshd.start(dir);
        host = RemoteHost.connect(SshTarget.parse(sshd.host()),
                sshd.agentSettings(),
                "test", line -> { });
    }

    @AfterAll
    static void disconnect() {
        if (host != null) {
            host.close();
        }
        if (sshd != null) {
            sshd.close();
        }
    }

    private static RemoteDevice open(String id) throws Exception {
        return host.open(id, new RemoteOptions(true, true, false, Duration.ofMillis(50), 1000, Duration.ofSeconds(10),
                1 << 20, false));
    }

    private static <T> T get(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    @Test
    void dmaLoggingRunsThereAndItsDirtyPageRateArrivesInTheSamples() throws Exception {
        try (RemoteDevice d = open("sim:mlx5-0")) {
            List<DeviceEvent> events = new CopyOnWriteArrayList<>();
            d.addListener(events::add);
            assertThat(d.isDmaLoggingSupported()).isTrue();
            assertThat(d.isDmaLogging()).isFalse();

            assertThat(get(d.startDmaLogging(4096, RANGES))).isEmpty();
            assertThat(d.isDmaLogging()).isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            double rate = Double.NaN;
            while (!(rate > 0) && System.nanoTime() < deadline) {
                Sample s = d.telemetry().latest();
                rate = s == null ? Double.NaN : s.get(Metric.DMA_DIRTY_PAGES_RATE);
                Thread.sleep(50);
            }
            assertThat(rate).as("DMA dirty pages/s in the pushed samples").isPositive();
            assertThat(events).anySatisfy(e -> {
                assertThat(e.kind()).isEqualTo(DeviceEvent.Kind.DMA_LOGGING);
                assertThat(e.call()).contains("DMA_LOGGING_START");
                assertThat(e.error()).isNull();
            });

            assertThat(get(d.stopDmaLogging())).isEmpty();
            assertThat(d.isDmaLogging()).isFalse();
        }
    }

    @Test
    void theFarSessionsStatesArriveWithTheirTimesOnItsTelemetryClock() throws Exception {
        try (RemoteDevice d = open("sim:mlx5-1")) {
            assertThat(d.hostName()).contains(sshd.host());
            assertThat(d.isPassive()).isFalse();
            Thread.sleep(200);
            assertThat(get(d.transition(MigState.STOP)).ok()).isTrue();
            WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS,
                    () -> d.stateChanges().get(d.stateChanges().size() - 1).state() == MigState.STOP);
            List<StateChange> changes = d.stateChanges();
            assertThat(changes.get(0)).isEqualTo(new StateChange(0, MigState.RUNNING));
            assertThat(changes).extracting(StateChange::state).containsSubsequence(MigState.RUNNING_P2P, MigState.STOP);
            // after the 200 ms here, on the far session's clock, and in order
            assertThat(changes.get(changes.size() - 1).timeNanos()).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(150));
            assertThat(changes).extracting(StateChange::timeNanos).isSorted();
            assertThat(get(d.transition(MigState.RUNNING)).ok()).isTrue();
        }
    }

    @Test
    void aResetThereEndsDmaLoggingHereToo() throws Exception {
        try (RemoteDevice d = open("sim:mlx5-0")) {
            assertThat(get(d.startDmaLogging(4096, RANGES))).isEmpty();
            assertThat(get(d.reset()).finalState()).isEqualTo(MigState.RUNNING);
            // The reset's event, pushed before its reply, said that logging ended with it.
            assertThat(d.isDmaLogging()).isFalse();
        }
    }

    @Test
    void aDeviceWithoutDmaLoggingRefusesItThereAsItDoesHere() throws Exception {
        Optional<VfioError> here;
        try (MigrationSession s = MigrationSession.open(DeviceRegistry.load(true), "sim:hisi-0",
                SessionOptions.defaults().withArmed(true))) {
            here = get(s.startDmaLogging(4096, RANGES));
        }
        try (RemoteDevice d = open("sim:hisi-0")) {
            assertThat(d.isDmaLoggingSupported()).isFalse();
            Optional<VfioError> there = get(d.startDmaLogging(4096, RANGES));
            assertThat(here).isPresent();
            assertThat(there).isEqualTo(here);
            assertThat(d.isDmaLogging()).isFalse();
        }
    }

    @Test
    void aFaultInjectedThereFailsTheNextSetThereUntilCleared() throws Exception {
        try (RemoteDevice d = open("sim:mlx5-1")) {
            assertThat(d.simulation()).isPresent();
            // mlx5 has P2P: RUNNING -> STOP goes through RUNNING_P2P, one SET per arc.
            get(d.simulate(c -> c.injectFault(new Arc(MigState.RUNNING, MigState.RUNNING_P2P), Errno.EIO, false)));

            TransitionResult failed = get(d.transition(MigState.STOP));
            assertThat(failed.error()).isNotNull();
            assertThat(failed.error().is(Errno.EIO)).isTrue();
            assertThat(failed.finalState()).isEqualTo(MigState.RUNNING);
            assertThat(d.state()).isEqualTo(MigState.RUNNING);

            get(d.simulate(SimulationControls::clearFaults));
            assertThat(get(d.transition(MigState.STOP)).ok()).isTrue();
            assertThat(get(d.reset()).finalState()).isEqualTo(MigState.RUNNING);
        }
    }

    @Test
    void aSaveThereResumedIntoAnotherDeviceThereCarriesItsStateByteForByte() throws Exception {
        Path file = dir.resolve("digest.mig");
        try (RemoteDevice a = open("sim:mlx5-0"); RemoteDevice b = open("sim:mlx5-1")) {
            for (RemoteDevice d : List.of(a, b)) {
                get(d.simulate(c -> c.setLinkBandwidth(8L << 30)));
            }
            StreamResult saved = get(a.save(file, MigState.STOP, Progress.NONE, new Cancellation()));
            assertThat(saved.error()).isNull();
            // Left in STOP after loading: a RUNNING simulated device dirties its state, a stopped one does not.
            StreamResult resumed = get(b.resume(file, MigState.STOP, Progress.NONE, new Cancellation()));
            assertThat(resumed.error()).isNull();

            assertThat(digest(b)).isEqualTo(digest(a)).isNotZero();
            get(a.reset());
            get(b.reset());
        }
    }

    private static long digest(RemoteDevice d) throws Exception {
        AtomicLong v = new AtomicLong();
        get(d.simulate(c -> v.set(c.stateDigest())));
        return v.get();
    }

    @Test
    void onALostConnectionSimulateFailsAndDmaLoggingAnswersWithTheLostConnection() throws Exception {
        RemoteHost own = RemoteHost.connect(SshTarget.parse(sshd.host()),
                sshd.agentSettings(),
                "test", line -> { });
        RemoteDevice d = own.open("sim:xe-0", new RemoteOptions(true, true, false, Duration.ofMillis(50), 1000,
                Duration.ofSeconds(10), 1 << 20, false));
        own.close();

        // The view keeps its last state, says why it lost the device, and can no longer be driven.
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, d::isGone);
        assertThat(d.lost()).hasValueSatisfying(why -> assertThat(why).endsWith("; last known state RUNNING"));
        assertThat(d.control()).isEmpty();
        assertThatThrownBy(() -> get(d.simulate(c -> c.setDirtyRate(1)))).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(dev.migscope.device.VfioException.class).hasMessageContaining("was lost");
        // As a local session answers DMA logging: a value, here the lost connection's.
        assertThat(get(d.startDmaLogging(4096, RANGES))).hasValueSatisfying(e -> {
            assertThat(e.is(Errno.EPIPE)).isTrue();
            assertThat(e.message()).contains("was lost");
        });
        d.close();
    }
}
