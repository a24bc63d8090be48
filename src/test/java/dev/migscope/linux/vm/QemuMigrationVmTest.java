package dev.migscope.linux.vm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.Owner;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import dev.migscope.json.Json;
import dev.migscope.qemu.AttachedQemu;
import dev.migscope.qemu.MigrationInfo;
import dev.migscope.qemu.ObservedDevice;
import dev.migscope.qemu.QemuReport;
import dev.migscope.testsupport.QemuProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real QEMU 10 migration of an mtty device between two QEMUs in the rig's guest (nested, TCG),
 * followed by migscope attached to both QMP sockets, read-only, as `migscope attach` does.
 */
@Tag("vm")
class QemuMigrationVmTest {

    /** Nested TCG on a shared machine: a migration took 0.4 s when measured, allow far more. */
    static final long OUTCOME_SECONDS = 300;
    /** A third mtty, one port, made by the failure test: its load refuses a two-port stream. */
    static final String ONE_PORT_MTTY = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1003";

    @TempDir
    Path dir;

    @AfterAll
    static void leaveTheMttysRunning() throws VfioException {
        VmRig.resetAll();
    }

    /** QEMU's vfio-pci device for an mdev, with the VFIO_MIGRATION events migscope follows. */
    private static String vfioPci(String uuid) {
        return "vfio-pci,sysfsdev=/sys/bus/mdev/devices/" + uuid + ",id=mtty0,migration-events=on,enable-migration=on";
    }

    /** Without the property QEMU sends no VFIO_MIGRATION event (it defaults to off). */
    private static String vfioPciWithoutEvents(String uuid) {
        return "vfio-pci,sysfsdev=/sys/bus/mdev/devices/" + uuid + ",id=mtty0,enable-migration=on";
    }

    private static AttachedQemu attach(QemuProcess q) throws Exception {
        return AttachedQemu.attach(q.qmp(), QemuProcess.WAIT, new DeviceRegistry(List.of(VmRig.BACKEND), List.of(),
                false), o -> System.out.println("  " + o.text()));
    }

    private static Optional<Owner> holder(String id) {
        return VmRig.BACKEND.list().stream().filter(d -> d.id().equals(id)).findFirst().map(DeviceInfo::owner);
    }

    private static List<String> states(JsonNode qemu) {
        List<String> states = new ArrayList<>();
        qemu.path("devices").get(0).path("states").forEach(s -> states.add(s.path("state").asText()));
        return states;
    }

    @Test
    void anMttyMigratesAndBothSidesAreFollowedWithTheKernelsStepsAndItsBytes() throws Exception {
        String source = VmRig.mtty(0);
        String destination = VmRig.mtty(1);
        // What a save of a two-port mtty writes: its header (magic, version, nr_ports, flags) then
        // both ports. mtty's PRE_COPY gives the header and STOP_COPY appends the ports to the same
        // stream, so QEMU reads exactly these bytes in all (measured: 96).
        int streamBytes;
        try (DeviceSession s = VmRig.openFresh(source)) {
            streamBytes = VmRig.image(s).length;
        }
        assertThat(streamBytes).isPositive();

        Path mig = dir.resolve("mig.sock");
        try (QemuProcess src = QemuProcess.start(dir, "src", "-device", vfioPci(source));
                QemuProcess dst = QemuProcess.start(dir, "dst", "-device", vfioPci(destination),
                        "-incoming", "unix:" + mig);
                AttachedQemu s = attach(src);
                AttachedQemu d = attach(dst)) {
            // The host's own entries: QEMU holds both mdevs (through their group nodes), by its full name.
            assertThat(holder(source)).contains(new Owner((int) src.pid(), QemuProcess.BINARY));
            assertThat(holder(destination)).contains(new Owner((int) dst.pid(), QemuProcess.BINARY));
            ObservedDevice followed = s.devices().get(0);
            assertThat(followed.device().hostDeviceId()).isEqualTo(source);
            assertThat(followed.info().owner()).isEqualTo(new Owner((int) src.pid(), QemuProcess.BINARY));
            assertThat(d.devices().get(0).device().hostDeviceId()).isEqualTo(destination);
            assertThat(s.warnings()).isEmpty();

            src.migrate(mig);
            assertThat(s.outcome().get(OUTCOME_SECONDS, TimeUnit.SECONDS)).isEqualTo(AttachedQemu.Outcome.COMPLETED);
            assertThat(d.outcome().get(OUTCOME_SECONDS, TimeUnit.SECONDS)).isEqualTo(AttachedQemu.Outcome.COMPLETED);

            QemuReport report = QemuReport.of(List.of(s, d));
            System.out.println(report.text());
            JsonNode qemus = report.json().path("qemus");
            assertThat(states(qemus.get(0))).containsExactly("PRE_COPY", "PRE_COPY_P2P", "STOP_COPY", "STOP");
            assertThat(states(qemus.get(1))).containsExactly("RESUMING", "RUNNING_P2P", "RUNNING");
            // QEMU asked for RUNNING_P2P from RESUMING; the kernel's table walks it through STOP.
            JsonNode runningP2p = qemus.get(1).path("devices").get(0).path("states").get(1);
            assertThat(runningP2p.path("kernel_steps")).extracting(JsonNode::asText).containsExactly("STOP");

            MigrationInfo info = s.runs().get(0).info();
            assertThat(info.vfioTransferred()).isEqualTo((long) streamBytes);
            assertThat(info.downtimeMs()).isNotNull();
            assertThat(qemus.get(0).path("migrations").get(0).path("vfio_bytes").asLong()).isEqualTo(streamBytes);
            assertThat(qemus.get(0).path("migrations").get(0).path("downtime_ms").isNumber()).isTrue();
        }
    }

    /**
     * Neither QEMU has migration-events=on, so neither sends a VFIO_MIGRATION event: migscope (root
     * here, debugfs mounted by the rig's init) polls each mtty's debugfs migration/state instead.
     * A state shorter than a poll may be missed (STOP_COPY lasts about the downtime), so the states
     * seen must be the kernel's in order, not all of them; the long ones are always seen.
     */
    @Test
    void withoutMigrationEventsBothSidesAreFollowedThroughTheKernelsDebugfsState() throws Exception {
        String source = VmRig.mtty(0);
        String destination = VmRig.mtty(1);
        try (DeviceSession s = VmRig.openFresh(source)) {
            assertThat(s.info().id()).isEqualTo(source);
        }
        Path mig = dir.resolve("mig.sock");
        try (QemuProcess src = QemuProcess.start(dir, "src", "-device", vfioPciWithoutEvents(source));
                QemuProcess dst = QemuProcess.start(dir, "dst", "-device", vfioPciWithoutEvents(destination),
                        "-incoming", "unix:" + mig);
                AttachedQemu s = attach(src);
                AttachedQemu d = attach(dst)) {
            for (AttachedQemu q : List.of(s, d)) {
                assertThat(q.warnings()).singleElement().asString()
                        .contains("mtty0: migration-events is off, so QEMU sends no VFIO_MIGRATION event for it")
                        .contains("the fallback is on, polling host device " + q.devices().get(0).device().hostDeviceId());
            }
            src.migrate(mig);
            assertThat(s.outcome().get(OUTCOME_SECONDS, TimeUnit.SECONDS)).isEqualTo(AttachedQemu.Outcome.COMPLETED);
            assertThat(d.outcome().get(OUTCOME_SECONDS, TimeUnit.SECONDS)).isEqualTo(AttachedQemu.Outcome.COMPLETED);
            // The destination's device reaches RUNNING as its VM starts, just after the status says completed.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(OUTCOME_SECONDS);
            while (d.devices().get(0).state() != MigState.RUNNING || s.devices().get(0).state() != MigState.STOP) {
                assertThat(System.nanoTime()).as("source STOP and destination RUNNING seen").isLessThan(deadline);
                Thread.sleep(20);
            }

            QemuReport report = QemuReport.of(List.of(s, d));
            System.out.println(report.text());
            JsonNode qemus = report.json().path("qemus");
            for (JsonNode q : qemus) {
                assertThat(q.path("devices").get(0).path("states")).isNotEmpty()
                        .allMatch(st -> st.path("seen_by").asText().equals("debugfs"));
            }
            List<String> seenOnSource = states(qemus.get(0));
            assertThat(List.of("PRE_COPY", "PRE_COPY_P2P", "STOP_COPY", "STOP")).containsSubsequence(seenOnSource);
            assertThat(seenOnSource).contains("PRE_COPY").endsWith("STOP");
            List<String> seenOnDestination = states(qemus.get(1));
            assertThat(List.of("RESUMING", "STOP", "RUNNING_P2P", "RUNNING")).containsSubsequence(seenOnDestination);
            assertThat(seenOnDestination).contains("RESUMING").endsWith("RUNNING");
        }
    }

    /**
     * The destination's mtty has one port: mtty_resume_write refuses the two-port stream's header
     * (nr_ports differs) with EINVAL, so vfio's load fails on the destination. The destination is
     * told not to exit on the error (migrate-incoming exit-on-error=false) so its failure and
     * error-desc can be read.
     */
    @Test
    void aDestinationWhoseDeviceRefusesTheStreamIsReportedFailedWithQemusError() throws Exception {
        String source = VmRig.mtty(0);
        try (DeviceSession s = VmRig.openFresh(source)) {
            assertThat(s.info().id()).isEqualTo(source);
        }
        Files.writeString(Path.of("/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create"), ONE_PORT_MTTY);
        try {
            Path mig = dir.resolve("mig.sock");
            try (QemuProcess src = QemuProcess.start(dir, "src", "-device", vfioPci(source));
                    QemuProcess dst = QemuProcess.start(dir, "dst", "-device", vfioPci(ONE_PORT_MTTY),
                            "-incoming", "defer")) {
                dst.control().call("migrate-incoming", Json.object().put("uri", "unix:" + mig)
                        .put("exit-on-error", false));
                try (AttachedQemu s = attach(src); AttachedQemu d = attach(dst)) {
                    assertThat(d.role()).isEqualTo(AttachedQemu.Role.DESTINATION);
                    src.migrate(mig);
                    assertThat(d.outcome().get(OUTCOME_SECONDS, TimeUnit.SECONDS))
                            .isEqualTo(AttachedQemu.Outcome.FAILED);

                    QemuReport report = QemuReport.of(List.of(s, d));
                    System.out.println(report.text());
                    JsonNode dest = report.json().path("qemus").get(1);
                    assertThat(dest.path("outcome").asText()).isEqualTo("failed");
                    JsonNode run = dest.path("migrations").get(0);
                    assertThat(run.path("status").asText()).isEqualTo("failed");
                    assertThat(run.path("error_desc").asText("")).as("QEMU's error-desc").isNotBlank();
                    // Where: the destination's device was RESUMING when its load failed.
                    assertThat(states(dest)).contains("RESUMING");
                    assertThat(report.text()).contains("error: " + run.path("error_desc").asText());
                }
            }
        } finally {
            Files.writeString(Path.of("/sys/bus/mdev/devices/" + ONE_PORT_MTTY + "/remove"), "1");
        }
    }
}
