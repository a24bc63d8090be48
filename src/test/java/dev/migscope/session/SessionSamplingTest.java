package dev.migscope.session;

import dev.migscope.view.StreamResult;
import dev.migscope.view.Progress;
import dev.migscope.view.Cancellation;
import dev.migscope.view.DeviceEvent;

import static dev.migscope.fsm.MigState.PRE_COPY;
import static dev.migscope.fsm.MigState.RESUMING;
import static dev.migscope.fsm.MigState.RUNNING;
import static dev.migscope.fsm.MigState.STOP;
import static dev.migscope.fsm.MigState.STOP_COPY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.view.TransitionResult;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.Sample;
import dev.migscope.telemetry.TelemetrySnapshot;
import dev.migscope.testsupport.FakeBackend;
import dev.migscope.testsupport.FakeDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sampler, the telemetry it fills, device loss, and passive watching. */
class SessionSamplingTest extends FakeHarness {

    private static final Duration HOUR = Duration.ofHours(1);

    @TempDir
    Path dir;

    private static double[] values(TelemetrySnapshot s, Metric m) {
        return s.values(m);
    }

    @Test
    void theFirstSampleHasStateStopCopySizeAndDowntimeEstimate() throws Exception {
        FakeDevice d = device("first", MigFeatures.ALL);
        MigrationSession s = open(d, quiet().withLinkBandwidth(1000));
        Sample first = s.telemetry().latest();
        assertThat(first).isNotNull();
        assertThat(first.get(Metric.STATE)).isEqualTo(RUNNING.abi());
        long size = d.streamLength();
        assertThat(first.get(Metric.STOP_COPY_LENGTH)).isEqualTo(size);
        assertThat(first.get(Metric.DOWNTIME_ESTIMATE)).isEqualTo(size / 1000.0);
        assertThat(first.get(Metric.INITIAL_BYTES)).isNaN(); // not in PRE_COPY
    }

    @Test
    void chartsMoveWhileASaveHoldsTheDeviceThread() throws Exception {
        FakeDevice d = device("save", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());
        // Each data_fd read takes one sample interval of the session clock; in PRE_COPY it dirties 500 B.
        AtomicInteger reads = new AtomicInteger();
        d.onRead(() -> {
            clock.advance(HOUR);
            if (d.state() == PRE_COPY) {
                d.setDirtyBytes(500L * reads.incrementAndGet());
            }
        });
        long before = s.telemetry().version();
        StreamResult r = join(s.save(dir.resolve("s.mig"), null, Progress.NONE, new Cancellation()));
        assertThat(r.ok()).isTrue();
        TelemetrySnapshot t = s.telemetry().snapshot(Long.MIN_VALUE, Metric.values());
        assertThat(t.version()).isGreaterThan(before + 10);
        double[] state = values(t, Metric.STATE);
        double[] pre = values(t, Metric.PRE_COPY_THROUGHPUT);
        double[] stop = values(t, Metric.STOP_COPY_THROUGHPUT);
        double[] total = values(t, Metric.TOTAL_BYTES);
        double[] initial = values(t, Metric.INITIAL_BYTES);
        double[] dirtyRate = values(t, Metric.DIRTY_RATE);
        boolean preMoved = false;
        boolean stopMoved = false;
        int rates = 0;
        for (int i = 0; i < t.size(); i++) {
            preMoved |= state[i] == PRE_COPY.abi() && pre[i] > 0;
            stopMoved |= state[i] == STOP_COPY.abi() && stop[i] > 0;
            if (i > 0) {
                assertThat(total[i]).isGreaterThanOrEqualTo(total[i - 1]);
                assertThat(t.times()[i]).isGreaterThanOrEqualTo(t.times()[i - 1]);
            }
            if (state[i] == PRE_COPY.abi() && i > 0 && state[i - 1] == PRE_COPY.abi()) {
                assertThat(initial[i]).isLessThanOrEqualTo(initial[i - 1]);
                // One read (1000 B) between samples dirtied 500 B: pending fell by 500, so dirtied = 500.
                if (!Double.isNaN(dirtyRate[i]) && pre[i] > 0) {
                    assertThat(dirtyRate[i]).isCloseTo(500.0 / 3600, org.assertj.core.data.Offset.offset(1e-9));
                    rates++;
                }
            }
        }
        assertThat(preMoved).as("PRE_COPY throughput moved").isTrue();
        assertThat(stopMoved).as("STOP_COPY throughput moved").isTrue();
        assertThat(rates).as("dirty rate samples").isGreaterThan(3);
        assertThat(total[t.size() - 1]).isEqualTo(r.totalBytes());
    }

    @Test
    void chartsMoveWhileAResumeHoldsTheDeviceThread() throws Exception {
        FakeDevice src = device("src", MigFeatures.STOP_COPY_ONLY);
        FakeDevice dst = device("dst", MigFeatures.STOP_COPY_ONLY);
        FakeBackend b = new FakeBackend().add(src).add(dst);
        MigrationSession s = open(b, "fake:src", quiet());
        Path file = dir.resolve("r.mig");
        assertThat(join(s.save(file, RUNNING, Progress.NONE, new Cancellation())).ok()).isTrue();
        MigrationSession t = open(b, "fake:dst", quiet());
        Progress tick = (phase, bytes, estimate) -> clock.advance(HOUR);
        StreamResult r = join(t.resume(file, RUNNING, tick, new Cancellation()));
        assertThat(r.ok()).isTrue();
        TelemetrySnapshot snap = t.telemetry().snapshot(Long.MIN_VALUE, Metric.STATE, Metric.RESUME_THROUGHPUT);
        boolean moved = false;
        for (int i = 0; i < snap.size(); i++) {
            moved |= snap.values(Metric.STATE)[i] == RESUMING.abi() && snap.values(Metric.RESUME_THROUGHPUT)[i] > 0;
        }
        assertThat(moved).isTrue();
    }

    @Test
    void theSamplerReadsPrecopyInfoInPreCopy() throws Exception {
        FakeDevice d = device("precopy", MigFeatures.ALL);
        MigrationSession s = open(d, sampling());
        assertThat(join(s.transition(PRE_COPY)).ok()).isTrue();
        d.setDirtyBytes(4242);
        long initial = d.streamLength() / 2;
        awaitTrue(() -> {
            Sample l = s.telemetry().latest();
            return l.get(Metric.STATE) == PRE_COPY.abi() && l.get(Metric.INITIAL_BYTES) == initial
                    && l.get(Metric.DIRTY_BYTES) == 4242;
        }, "a PRE_COPY sample with PRECOPY_INFO");
    }

    @Test
    void dmaLoggingIsSampledAndStopsOnStopAndOnReset() throws Exception {
        FakeDevice d = device("dma", MigFeatures.ALL);
        d.setDmaDirtyPagesPerReport(7);
        MigrationSession s = open(d, sampling());
        assertThat(s.isDmaLoggingSupported()).isTrue();
        assertThat(join(s.startDmaLogging(4096, List.of(new IovaRange(0, 1 << 20))))).isEmpty();
        assertThat(s.isDmaLogging()).isTrue();
        assertThat(d.isDmaLoggingActive()).isTrue();
        awaitTrue(() -> s.telemetry().latest().get(Metric.DMA_DIRTY_PAGES_RATE) > 0, "a DMA dirty pages rate");
        assertThat(join(s.stopDmaLogging())).isEmpty();
        assertThat(s.isDmaLogging()).isFalse();
        assertThat(d.isDmaLoggingActive()).isFalse();

        assertThat(join(s.startDmaLogging(4096, List.of(new IovaRange(0, 1 << 20))))).isEmpty();
        assertThat(join(s.reset()).ok()).isTrue();
        assertThat(s.isDmaLogging()).isFalse();
        assertThat(d.isDmaLoggingActive()).isFalse();
    }

    @Test
    void aChangeBehindTheSessionsBackIsObservedAndLogged() throws Exception {
        FakeDevice d = device("behind", MigFeatures.ALL);
        MigrationSession s = open(d, sampling());
        d.force(STOP);
        awaitTrue(() -> s.state() == STOP, "the sampler sees STOP");
        assertThat(events(DeviceEvent.Kind.STATE_OBSERVED))
                .anyMatch(e -> e.from() == RUNNING && e.to() == STOP && e.message().contains("outside"));
    }

    // ------------------------------------------------------------------ the device goes away

    private void assertGoneForGood(MigrationSession s, FakeDevice d) throws Exception {
        assertThat(s.isGone()).isTrue();
        assertThat(events(DeviceEvent.Kind.DEVICE_GONE)).hasSize(1);
        int sets = d.sets().size();
        TransitionResult t = join(s.transition(STOP));
        assertThat(t.error().is(Errno.ENODEV)).isTrue();
        assertThat(join(s.reset()).error().is(Errno.ENODEV)).isTrue();
        StreamResult save = join(s.save(dir.resolve("gone.mig"), null, Progress.NONE, new Cancellation()));
        assertThat(save.error().is(Errno.ENODEV)).isTrue();
        join(s.refreshState());
        assertThat(d.sets()).hasSize(sets);
        assertThat(d.resets()).isZero();
        assertThat(events(DeviceEvent.Kind.DEVICE_GONE)).hasSize(1);
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).isEmpty();
        }
    }

    @Test
    void anUnplugSeenByTheSamplerStopsSamplingWithOneEvent() throws Exception {
        FakeDevice d = device("unplug", MigFeatures.ALL);
        MigrationSession s = open(d, sampling());
        awaitTrue(() -> s.telemetry().version() >= 3, "the sampler runs");
        d.unplug();
        awaitTrue(s::isGone, "the session notices the unplug");
        int attempts = d.getAttempts();
        long version = s.telemetry().version();
        // Twenty sample periods: a sampler still running would have tried twenty GETs.
        Thread.sleep(200);
        assertThat(d.getAttempts()).isEqualTo(attempts);
        assertThat(s.telemetry().version()).isEqualTo(version);
        DeviceEvent gone = events(DeviceEvent.Kind.DEVICE_GONE).get(0);
        assertThat(gone.error().is(Errno.ENODEV)).isTrue();
        assertThat(gone.alarming()).isTrue();
        assertGoneForGood(s, d);
    }

    @Test
    void anUnplugSeenByATransitionMarksTheSessionGone() throws Exception {
        FakeDevice d = device("unplug-set", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());
        d.unplug();
        TransitionResult r = join(s.transition(STOP));
        assertThat(r.error().is(Errno.ENODEV)).isTrue();
        assertThat(r.steps()).isEmpty();
        assertGoneForGood(s, d);
    }

    @Test
    void anUnplugMidWalkMarksTheSessionGone() throws Exception {
        FakeDevice d = device("unplug-mid", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());
        d.failArc(MigState.RUNNING_P2P, STOP, Errno.ENODEV, null);
        TransitionResult r = join(s.transition(STOP_COPY));
        assertThat(r.error().is(Errno.ENODEV)).isTrue();
        // The driver said ENODEV but the device still answers: the session re-reads rather than guesses.
        assertThat(r.finalState()).isEqualTo(MigState.RUNNING_P2P);
        assertThat(s.isGone()).isFalse();
        d.unplug();
        assertThat(join(s.transition(STOP)).error().is(Errno.ENODEV)).isTrue();
        assertGoneForGood(s, d);
    }

    @Test
    void anUnplugDuringASaveLeavesNoFileAndMarksTheSessionGone() throws Exception {
        FakeDevice d = device("unplug-save", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());
        AtomicInteger reads = new AtomicInteger();
        d.onRead(() -> {
            if (reads.incrementAndGet() == 4) {
                d.unplug();
            }
        });
        StreamResult r = join(s.save(dir.resolve("u.mig"), null, Progress.NONE, new Cancellation()));
        assertThat(r.ok()).isFalse();
        assertThat(r.error().is(Errno.ENODEV)).isTrue();
        assertGoneForGood(s, d);
    }

    // ------------------------------------------------------------------ passive watch and listeners

    @Test
    void aPassiveWatchReadsTheStateAndRefusesEveryChange() throws Exception {
        FakeDevice d = device("held", MigFeatures.ALL);
        FakeBackend b = new FakeBackend().add(d).watchable("fake:held", PRE_COPY);
        MigrationSession s = MigrationSession.watch(FakeBackend.registry(b), "fake:held", quiet().withArmed(true));
        track(s);
        assertThat(s.isPassive()).isTrue();
        assertThat(s.isArmed()).isFalse();
        s.setArmed(true);
        assertThat(s.isArmed()).isFalse();
        assertThat(s.state()).isEqualTo(PRE_COPY);
        assertThat(s.simulation()).isEmpty();
        TransitionResult r = join(s.transition(RUNNING));
        assertThat(r.error().is(Errno.EPERM)).isTrue();
        assertThat(r.error().message()).contains("read-only");
        assertThat(join(s.reset()).error().is(Errno.EPERM)).isTrue();
        assertThat(join(s.save(dir.resolve("w.mig"), null, Progress.NONE, new Cancellation())).error()
                .is(Errno.EPERM)).isTrue();
        assertThat(join(s.refreshState())).isEqualTo(PRE_COPY);
        assertThat(d.sets()).isEmpty();
        assertThat(d.gets()).isZero();
        s.close();
        assertThat(d.isClosed()).isFalse(); // never opened, so never closed
    }

    @Test
    void aDeviceThatCannotBeWatchedIsRefusedWithTheFix() {
        FakeDevice d = device("unwatchable", MigFeatures.ALL);
        FakeBackend b = new FakeBackend().add(d);
        assertThatThrownBy(() -> MigrationSession.watch(FakeBackend.registry(b), "fake:unwatchable", quiet()))
                .isInstanceOf(VfioException.class).hasMessageContaining("CONFIG_VFIO_DEBUGFS");
    }

    @Test
    void aListenerThatThrowsBreaksNothing() throws Exception {
        FakeDevice d = device("listener", MigFeatures.ALL);
        MigrationSession s = open(d, quiet());
        s.addListener(e -> {
            throw new IllegalStateException("a buggy listener");
        });
        assertThat(join(s.transition(STOP)).ok()).isTrue();
        assertThat(join(s.transition(RUNNING)).ok()).isTrue();
        assertThat(events(DeviceEvent.Kind.TRANSITION)).hasSize(2);
    }
}
