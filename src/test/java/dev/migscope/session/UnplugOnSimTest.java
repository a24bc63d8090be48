package dev.migscope.session;

import dev.migscope.view.StreamResult;
import dev.migscope.view.Progress;
import dev.migscope.view.Cancellation;
import dev.migscope.view.DeviceEvent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Errno;
import dev.migscope.device.SimulationControls;
import dev.migscope.fsm.MigState;
import dev.migscope.sim.ManualClock;
import dev.migscope.sim.SimBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A simulated device hot-unplugged while its session samples it every 5 ms: while idle, in the
 * middle of a save (from the save's own progress callback, on the device thread, between two
 * data_fd reads) and in the middle of a resume (between two writes). The session is marked gone
 * with exactly one DEVICE_GONE event, the save leaves no file, the telemetry stops growing and
 * nothing more is logged or called over twenty sampler periods: no error storm.
 */
class UnplugOnSimTest {

    static final Duration PERIOD = Duration.ofMillis(5);

    final ManualClock clock = new ManualClock();
    final CountingBackend sim = new CountingBackend(new SimBackend(clock));
    final DeviceRegistry registry = new DeviceRegistry(List.of(), List.of(sim), true);
    final List<DeviceEvent> events = new CopyOnWriteArrayList<>();
    final List<MigrationSession> sessions = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        sessions.forEach(MigrationSession::close);
    }

    MigrationSession open(String id) throws Exception {
        SessionOptions o = new SessionOptions(PERIOD, 1000, SessionOptions.DEFAULT_LINK_BANDWIDTH, true,
                TransitionMode.STEPWISE, Duration.ofSeconds(2), 1 << 20, clock::nanoTime);
        MigrationSession s = MigrationSession.open(registry, id, o);
        sessions.add(s);
        return s;
    }

    @ParameterizedTest
    @ValueSource(strings = {"idle", "save", "resume"})
    void anUnpluggedDeviceIsGoneOnceAndQuiet(String when) throws Exception {
        Path saved = dir.resolve("from-mlx5-0.mig");
        if (when.equals("resume")) {
            try (MigrationSession src = open("sim:mlx5-0")) {
                assertThat(FakeHarness.join(src.save(saved, MigState.RUNNING, Progress.NONE, new Cancellation()))
                        .ok()).isTrue();
            }
        }
        MigrationSession s = open("sim:mlx5-1");
        s.addListener(events::add);
        FakeHarness.awaitTrue(() -> s.telemetry().version() >= 3, "the sampler runs");
        SimulationControls controls = s.simulation().orElseThrow();
        AtomicBoolean unplugged = new AtomicBoolean();
        // Called on the device thread between two chunks: the unplug lands mid-stream.
        Progress unplugOnce = (phase, bytes, estimate) -> {
            if (unplugged.compareAndSet(false, true)) {
                controls.unplug();
            }
        };
        Path file = dir.resolve("during-save.mig");
        StreamResult r = null;
        switch (when) {
            case "idle" -> FakeHarness.join(s.simulate(SimulationControls::unplug));
            case "save" -> r = FakeHarness.join(s.save(file, MigState.RUNNING, unplugOnce, new Cancellation()));
            case "resume" -> r = FakeHarness.join(s.resume(saved, MigState.RUNNING, unplugOnce, new Cancellation()));
            default -> throw new AssertionError(when);
        }
        FakeHarness.awaitTrue(s::isGone, "the session notices the unplug");
        // isGone turns true just before the DEVICE_GONE event reaches listeners: count from after it.
        FakeHarness.awaitTrue(() -> events.stream().anyMatch(e -> e.kind() == DeviceEvent.Kind.DEVICE_GONE),
                "the DEVICE_GONE event is delivered");
        if (r != null) {
            assertThat(unplugged).isTrue();
            assertThat(r.ok()).isFalse();
            assertThat(r.error().is(Errno.ENODEV)).as(r.error().describe()).isTrue();
            assertThat(r.error().message()).isNotBlank();
        }
        assertThat(files()).as("no file and no partial file").doesNotContain(file)
                .noneMatch(p -> p.getFileName().toString().endsWith(".part"));

        int logged = events.size();
        long version = s.telemetry().version();
        int gets = sim.calls("getState");
        int sizes = sim.calls("migDataSize");
        Thread.sleep(20 * PERIOD.toMillis()); // twenty sampler periods
        assertThat(s.telemetry().version()).as("telemetry stops growing").isEqualTo(version);
        assertThat(events).as("no error storm").hasSize(logged);
        assertThat(sim.calls("getState")).isEqualTo(gets);
        assertThat(sim.calls("migDataSize")).isEqualTo(sizes);
        assertThat(events.stream().filter(e -> e.kind() == DeviceEvent.Kind.DEVICE_GONE)).hasSize(1);
        // What follows the DEVICE_GONE event is the end of the operation it interrupted, not a storm.
        int goneAt = 0;
        while (events.get(goneAt).kind() != DeviceEvent.Kind.DEVICE_GONE) {
            goneAt++;
        }
        assertThat(events.size() - goneAt).as(events.subList(goneAt, events.size()).toString()).isLessThanOrEqualTo(4);
        int changes = sim.changes();
        assertThat(FakeHarness.join(s.transition(MigState.STOP)).error().is(Errno.ENODEV)).isTrue();
        assertThat(FakeHarness.join(s.reset()).error().is(Errno.ENODEV)).isTrue();
        assertThat(sim.changes()).as("a gone device gets no more calls").isEqualTo(changes);
        assertThat(registry.find("sim:mlx5-1")).isEmpty();
        System.out.println("unplug " + when + ": " + (events.size() - goneAt) + " event(s) from DEVICE_GONE on, "
                + "telemetry frozen at version " + version);
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
