package dev.migscope.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.TelemetrySnapshot;
import dev.migscope.testsupport.QemuProcess;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real RAM-only migration between two QEMU 10 processes over a UNIX socket, followed from both sides. */
class RealMigrationTest {

    @TempDir
    Path dir;

    @Test
    void bothSidesAreFollowedToCompletionWithQemusFigures() throws Exception {
        Path mig = dir.resolve("mig.sock");
        List<Observation> seen = new CopyOnWriteArrayList<>();
        try (QemuProcess src = QemuProcess.start(dir, "src");
                QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "unix:" + mig)) {
            // The source reports its statuses as MIGRATION events (libvirt turns these on); the destination
            // does not, so its statuses come from the polls.
            src.enableCapabilities("events");
            try (AttachedQemu s = AttachedQemu.attach(src.qmp(), QemuProcess.WAIT, QemuProcess.NO_HOST_DEVICES, seen::add);
                    AttachedQemu d = AttachedQemu.attach(dst.qmp(), QemuProcess.WAIT, QemuProcess.NO_HOST_DEVICES,
                            seen::add)) {
                assertThat(s.role()).isEqualTo(AttachedQemu.Role.SOURCE);
                assertThat(d.role()).isEqualTo(AttachedQemu.Role.DESTINATION);
                assertThat(s.version().atLeast(QemuVersion.VFIO_MIGRATION_EVENTS)).isTrue();

                src.migrate(mig);
                assertThat(s.outcome().get(120, TimeUnit.SECONDS)).isEqualTo(AttachedQemu.Outcome.COMPLETED);
                assertThat(d.outcome().get(120, TimeUnit.SECONDS)).isEqualTo(AttachedQemu.Outcome.COMPLETED);

                MigrationRun run = s.runs().get(0);
                assertThat(run.statuses()).extracting(MigrationRun.StatusChange::status)
                        .startsWith("setup", "active").endsWith("completed");
                assertThat(run.statuses()).extracting(MigrationRun.StatusChange::seenBy).contains("event");
                assertThat(run.statuses()).extracting(MigrationRun.StatusChange::micros).isSorted();
                assertThat(run.info().totalTimeMs()).isPositive();
                assertThat(run.info().setupTimeMs()).isNotNull();
                assertThat(run.info().downtimeMs()).isNotNull();
                assertThat(run.info().ramTransferred()).isPositive();
                assertThat(d.runs().get(0).statuses()).extracting(MigrationRun.StatusChange::seenBy)
                        .containsOnly("poll");
                assertThat(seen).filteredOn(o -> o.kind() == Observation.Kind.EVENT)
                        .extracting(Observation::text).anyMatch(t -> t.startsWith("STOP"));

                TelemetrySnapshot t = s.telemetry().snapshot(Long.MIN_VALUE, Metric.RAM_THROUGHPUT,
                        Metric.DOWNTIME_LIMIT, Metric.DOWNTIME_ESTIMATE);
                assertThat(Arrays.stream(t.values(Metric.DOWNTIME_LIMIT))).contains(0.3);
                assertThat(Arrays.stream(t.values(Metric.RAM_THROUGHPUT))).anyMatch(v -> v > 0);
                assertThat(Arrays.stream(t.values(Metric.DOWNTIME_ESTIMATE))).anyMatch(v -> v > 0);

                JsonNode report = QemuReport.of(List.of(s, d)).json().path("qemus");
                assertThat(report.get(0).path("outcome").asText()).isEqualTo("completed");
                assertThat(report.get(0).path("migrations").get(0).path("ram_bytes").asLong()).isPositive();
                assertThat(report.get(1).path("role").asText()).isEqualTo("destination");
                assertThat(report.get(1).path("migrations").get(0).path("status").asText()).isEqualTo("completed");
            }
        }
    }
}
