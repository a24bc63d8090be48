package dev.migscope.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.fsm.MigState;
import dev.migscope.sim.ManualClock;
import dev.migscope.sim.SimBackend;
import dev.migscope.telemetry.Metric;
import dev.migscope.testsupport.FakeBackend;
import dev.migscope.view.Cancellation;
import dev.migscope.view.DeviceEvent;
import dev.migscope.view.PrecopyInfoV2;
import dev.migscope.view.Progress;
import dev.migscope.view.StreamResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session opts in to PRECOPY_INFOv2 where it can, keeps PRECOPY_INFO's flags and logs each REINIT. */
class PrecopyInfoV2SessionTest {

    final ManualClock clock = new ManualClock();
    final DeviceRegistry registry = new DeviceRegistry(List.of(), List.of(new SimBackend(clock)), true);

    @TempDir
    Path dir;

    SessionOptions options() {
        return new SessionOptions(Duration.ofMillis(50), 10_000, SessionOptions.DEFAULT_LINK_BANDWIDTH, true,
                TransitionMode.STEPWISE, Duration.ofSeconds(10), 1 << 20, clock::nanoTime);
    }

    @Test
    void aDeviceWithPreCopyAcceptsTheOptInAndOneWithoutIsNotAsked() throws Exception {
        try (MigrationSession s = MigrationSession.open(registry, "sim:mlx5-0", options())) {
            assertThat(s.precopyInfoV2()).isEqualTo(PrecopyInfoV2.ACCEPTED);
        }
        try (MigrationSession s = MigrationSession.open(registry, "sim:xe-0", options())) {
            assertThat(s.precopyInfoV2()).isEqualTo(PrecopyInfoV2.NO_PRE_COPY);
        }
    }

    @Test
    void aKernelWithoutTheFeatureKeepsTheSessionWorkingWithoutFlags() throws Exception {
        FakeBackend fake = FakeBackend.oneOfEachFeatureSet();
        try (MigrationSession s = MigrationSession.open(FakeBackend.registry(fake), FakeBackend.ALL, options())) {
            assertThat(s.precopyInfoV2()).isEqualTo(PrecopyInfoV2.NOT_IN_KERNEL);
            assertThat(FakeHarness.join(s.transition(MigState.PRE_COPY)).ok()).isTrue();
        }
    }

    @Test
    void aSaveOfTheReinitDeviceLogsReinitAndItsFlagsReachTheTelemetry() throws Exception {
        List<DeviceEvent> events = new CopyOnWriteArrayList<>();
        try (MigrationSession s = MigrationSession.open(registry, "sim:mlx5-reinit-0", options())) {
            s.addListener(events::add);
            StreamResult r = FakeHarness.join(s.save(dir.resolve("m.bin"), MigState.RUNNING, Progress.NONE,
                    new Cancellation()));
            assertThat(r.ok()).as(String.valueOf(r)).isTrue();

            List<DeviceEvent> reinits = events.stream().filter(e -> e.kind() == DeviceEvent.Kind.REINIT).toList();
            assertThat(reinits).hasSize(1);
            assertThat(reinits.get(0).format()).contains(
                    "REINIT: new initial data on the stream; initial_bytes may grow, dirty_bytes restarts");
            double[] flags = s.telemetry().snapshot(Long.MIN_VALUE, Metric.PRECOPY_FLAGS).values(Metric.PRECOPY_FLAGS);
            assertThat(Arrays.stream(flags).filter(f -> !Double.isNaN(f) && ((int) f & PrecopyInfo.REINIT) != 0))
                    .hasSize(1);
        }
    }
}
