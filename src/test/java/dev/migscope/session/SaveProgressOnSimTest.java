package dev.migscope.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.fsm.MigState;
import dev.migscope.sim.ManualClock;
import dev.migscope.sim.SimBackend;
import dev.migscope.view.Cancellation;
import dev.migscope.view.Progress;
import dev.migscope.view.StreamResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The estimate a save reports with its progress on a device that keeps dirtying faster than the
 * link drains it: more bytes come than MIG_DATA_SIZE first said, and the status must never read
 * "62 MiB of ~48 MiB" with a full bar.
 */
class SaveProgressOnSimTest {

    record Update(String phase, long bytes, long estimate) {
    }

    @TempDir
    Path dir;

    @Test
    void theEstimateIsUnknownOrAtLeastTheBytesMovedWhenTheDeviceSendsMoreThanItSaid() throws Exception {
        ManualClock clock = new ManualClock();
        DeviceRegistry registry = new DeviceRegistry(List.of(), List.of(new SimBackend(clock)), true);
        SessionOptions options = new SessionOptions(Duration.ofMillis(50), 10_000,
                SessionOptions.DEFAULT_LINK_BANDWIDTH, true, TransitionMode.STEPWISE, Duration.ofMillis(300),
                1 << 20, clock::nanoTime);
        List<Update> updates = new CopyOnWriteArrayList<>();
        Progress progress = (phase, bytes, estimate) -> updates.add(new Update(phase, bytes, estimate));
        try (MigrationSession s = MigrationSession.open(registry, "sim:nonconv-0", options)) {
            StreamResult r = FakeHarness.join(s.save(dir.resolve("nonconv.mig"), MigState.RUNNING, progress,
                    new Cancellation()));
            assertThat(r.ok()).as(String.valueOf(r.error())).isTrue();
        }
        assertThat(updates).isNotEmpty();
        long first = updates.get(0).estimate();
        long last = updates.get(updates.size() - 1).bytes();
        assertThat(first).as("MIG_DATA_SIZE before the save").isPositive();
        assertThat(last).as("the device sent more than it first said").isGreaterThan(first);
        assertThat(updates).filteredOn(u -> u.estimate() != 0 && u.estimate() < u.bytes())
                .as("updates whose estimate is below the bytes moved").isEmpty();
        assertThat(updates).filteredOn(u -> u.phase().equals("STOP_COPY")).isNotEmpty();
    }
}
