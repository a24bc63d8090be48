package dev.migscope.session;

import dev.migscope.view.DeviceEvent;

import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.sim.ManualClock;
import dev.migscope.testsupport.FakeBackend;
import dev.migscope.testsupport.FakeDevice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;

/** Opens sessions on fake devices, collects their events, closes them after each test. */
abstract class FakeHarness {

    /** Hang guard only: every future here completes in milliseconds unless the code under test hangs. */
    static final long HANG_GUARD_SECONDS = 30;

    /** The telemetry clock; it moves only when a test (or a fake device's read) moves it. */
    final ManualClock clock = new ManualClock();
    final List<DeviceEvent> events = new CopyOnWriteArrayList<>();
    private final List<MigrationSession> sessions = new ArrayList<>();

    static byte[] content(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static FakeDevice device(String name, MigFeatures f) {
        return new FakeDevice("fake:" + name, "fake_vfio_pci", f, content(20_000, name.hashCode()));
    }

    /**
     * Armed, stepwise; the timer sampler ticks once at open and then not within a test (1 h), so
     * sampling happens only where a long operation samples between chunks, against {@link #clock}.
     */
    SessionOptions quiet() {
        // Tests move the clock by an hour a read, so the PRE_COPY time limit is far beyond any test.
        return new SessionOptions(Duration.ofHours(1), 1000, 1_000_000_000L, true, TransitionMode.STEPWISE,
                Duration.ofDays(100_000), 1 << 20, clock::nanoTime);
    }

    /** A real-time sampler at 100 Hz, for tests that watch it work. */
    SessionOptions sampling() {
        return new SessionOptions(Duration.ofMillis(10), 1000, 1_000_000_000L, true, TransitionMode.STEPWISE,
                Duration.ofSeconds(30), 1 << 20, System::nanoTime);
    }

    MigrationSession open(FakeDevice d, SessionOptions o) throws VfioException {
        return open(new FakeBackend().add(d), d.info().id(), o);
    }

    MigrationSession open(FakeBackend b, String id, SessionOptions o) throws VfioException {
        MigrationSession s = MigrationSession.open(FakeBackend.registry(b), id, o);
        s.addListener(events::add);
        sessions.add(s);
        // The sampler's first tick was queued at open; a call queued now runs after it, so a test's
        // scripted GET failure cannot be consumed by that tick.
        try {
            join(s.refreshState());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return s;
    }

    void track(MigrationSession s) {
        s.addListener(events::add);
        sessions.add(s);
    }

    static <T> T join(CompletableFuture<T> f) throws Exception {
        return f.get(HANG_GUARD_SECONDS, TimeUnit.SECONDS);
    }

    /** Waits for a condition the device thread will make true; the timeout is a hang guard, not a measurement. */
    static void awaitTrue(BooleanSupplier c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HANG_GUARD_SECONDS);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never happened: " + what);
            }
            Thread.sleep(5);
        }
    }

    List<DeviceEvent> events(DeviceEvent.Kind kind) {
        return events.stream().filter(e -> e.kind() == kind).toList();
    }

    @AfterEach
    void closeSessions() {
        sessions.forEach(MigrationSession::close);
    }
}
