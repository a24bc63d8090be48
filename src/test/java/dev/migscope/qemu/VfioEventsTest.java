package dev.migscope.qemu;

import static dev.migscope.fsm.MigState.PRE_COPY;
import static dev.migscope.fsm.MigState.PRE_COPY_P2P;
import static dev.migscope.fsm.MigState.RESUMING;
import static dev.migscope.fsm.MigState.RUNNING;
import static dev.migscope.fsm.MigState.RUNNING_P2P;
import static dev.migscope.fsm.MigState.STOP;
import static dev.migscope.fsm.MigState.STOP_COPY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.telemetry.Metric;
import dev.migscope.fsm.MigState;
import dev.migscope.testsupport.FakeBackend;
import dev.migscope.testsupport.FakeDevice;
import dev.migscope.testsupport.FakeQmpServer;
import dev.migscope.testsupport.QemuProcess;
import dev.migscope.view.DeviceEvent;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VFIO_MIGRATION handling, which no VFIO-less host can show with a real QEMU: a scripted QEMU sends
 * the events of qapi/vfio.json's example for the sequences the rig measured on QEMU 10 with mtty.
 */
class VfioEventsTest {

    private static final String UUID = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001";
    private static final String QOM = "/machine/peripheral/vfio_dev1";
    private static final long T0 = 1_713_771_323L;

    @TempDir
    Path dir;

    private final List<Observation> seen = new CopyOnWriteArrayList<>();
    private final AtomicReference<String> migrate = new AtomicReference<>("{}");

    private FakeQmpServer qemu(int major, int minor, String runState, boolean migrationEvents) throws Exception {
        return FakeQmpServer.start(dir.resolve("qmp"), FakeQmpServer.greeting(major, minor, 0))
                .reply("qmp_capabilities", "{}")
                .reply("query-name", "{\"name\": \"vm1\"}")
                .reply("query-status", "{\"status\": \"" + runState + "\", \"running\": false}")
                .reply("query-migrate-parameters", "{\"downtime-limit\": 300}")
                .reply("query-migrate-capabilities", "[{\"capability\": \"events\", \"state\": false}]")
                .reply("query-migrate", a -> migrate.get())
                .reply("qom-list", a -> a.path("path").asText().equals("/machine/peripheral")
                        ? "[{\"name\": \"type\", \"type\": \"string\"}, {\"name\": \"vfio_dev1\", "
                                + "\"type\": \"child<vfio-pci>\"}]"
                        : "[{\"name\": \"type\", \"type\": \"string\"}]")
                .reply("qom-get", a -> switch (a.path("property").asText()) {
                    case "sysfsdev" -> "\"/sys/bus/mdev/devices/" + UUID + "\"";
                    case "host" -> "\"0000:00:00.0\"";
                    default -> String.valueOf(migrationEvents);
                });
    }

    private AttachedQemu attach() throws QmpException {
        return AttachedQemu.attach(dir.resolve("qmp"), QemuProcess.WAIT, QemuProcess.NO_HOST_DEVICES, seen::add);
    }

    @Test
    void theDestinationsEventsMoveTheDeviceWithTheKernelsStepsAndQemusTimes() throws Exception {
        migrate.set("{\"status\": \"setup\"}");
        List<DeviceEvent> events = new CopyOnWriteArrayList<>();
        try (FakeQmpServer f = qemu(10, 0, "inmigrate", true); AttachedQemu q = attach()) {
            ObservedDevice d = q.devices().get(0);
            d.addListener(events::add);
            assertThat(d.state()).isEqualTo(RUNNING);
            assertThat(d.control()).isEmpty();
            assertThat(d.info().id()).isEqualTo(UUID);
            migrate.set("{\"status\": \"active\"}");
            f.vfioMigration(T0, 212_268, "vfio_dev1", QOM, "resuming");
            f.vfioMigration(T0, 312_268, "vfio_dev1", QOM, "running-p2p");
            f.vfioMigration(T0, 362_268, "vfio_dev1", QOM, "running");
            migrate.set("{\"status\": \"completed\"}");
            assertThat(q.outcome().get(60, TimeUnit.SECONDS)).isEqualTo(AttachedQemu.Outcome.COMPLETED);
            f.close();
            q.gone().get(60, TimeUnit.SECONDS);

            assertThat(d.spans()).extracting(StateSpan::state).containsExactly(RESUMING, RUNNING_P2P, RUNNING);
            assertThat(d.spans()).extracting(StateSpan::startMicros)
                    .containsExactly(T0 * 1_000_000 + 212_268, T0 * 1_000_000 + 312_268, T0 * 1_000_000 + 362_268);
            assertThat(d.spans().get(1).kernelSteps()).containsExactly(STOP);
            assertThat(d.features()).isEqualTo(MigFeatures.of(dev.migscope.fsm.MigFeature.STOP_COPY,
                    dev.migscope.fsm.MigFeature.P2P));
            assertThat(events).filteredOn(e -> e.call().equals("kernel step"))
                    .extracting(DeviceEvent::from, DeviceEvent::to)
                    .contains(org.assertj.core.groups.Tuple.tuple(RESUMING, STOP));
            assertThat(events).filteredOn(e -> e.kind() == DeviceEvent.Kind.TRANSITION)
                    .extracting(DeviceEvent::steps)
                    .contains(List.of(RESUMING, STOP, RUNNING_P2P), List.of(RUNNING_P2P, RUNNING));
            assertThat(events.get(events.size() - 1).kind()).isEqualTo(DeviceEvent.Kind.DEVICE_GONE);
            assertThat(d.isGone()).isTrue();
            assertThat(seen).filteredOn(o -> o.kind() == Observation.Kind.DEVICE_STATE).extracting(Observation::text)
                    .anyMatch(t -> t.contains("RESUMING -> RUNNING_P2P  the kernel walked RESUMING>STOP>RUNNING_P2P"));

            JsonNode dev = QemuReport.of(List.of(q)).json().path("qemus").get(0).path("devices").get(0);
            assertThat(dev.path("host_device").asText()).isEqualTo(UUID);
            assertThat(dev.path("qom_path").asText()).isEqualTo(QOM);
            assertThat(dev.path("states").get(0).path("duration_us").asLong()).isEqualTo(100_000);
            assertThat(dev.path("states").get(1).path("duration_us").asLong()).isEqualTo(50_000);
            assertThat(dev.path("states").get(2).path("duration_us").isNull()).isTrue();
            assertThat(dev.path("states").get(1).path("qemu_state").asText()).isEqualTo("running-p2p");
        }
    }

    @Test
    void theSourcesBytesAreSplitAtStopCopyAsThePollsSawThem() throws Exception {
        migrate.set("{\"status\": \"active\", \"vfio\": {\"transferred\": 1000}, \"expected-downtime\": 40}");
        try (FakeQmpServer f = qemu(10, 0, "running", true); AttachedQemu q = attach()) {
            ObservedDevice d = q.devices().get(0);
            eventually(() -> d.telemetry().size() > 0 && d.telemetry().latest().get(Metric.TOTAL_BYTES) == 1000);
            assertThat(d.telemetry().latest().get(Metric.DOWNTIME_ESTIMATE)).isEqualTo(0.040);
            assertThat(d.telemetry().latest().get(Metric.DOWNTIME_LIMIT)).isEqualTo(0.300);
            f.vfioMigration(T0, 100, "vfio_dev1", QOM, "pre-copy");
            f.vfioMigration(T0, 200, "vfio_dev1", QOM, "pre-copy-p2p-prepare");
            f.vfioMigration(T0, 300, "vfio_dev1", QOM, "pre-copy-p2p");
            f.vfioMigration(T0, 400, "vfio_dev1", QOM, "stop-copy");
            eventually(() -> d.state() == STOP_COPY);
            migrate.set("{\"status\": \"completed\", \"vfio\": {\"transferred\": 1096}, \"downtime\": 37, "
                    + "\"total-time\": 410, \"setup-time\": 5}");
            f.vfioMigration(T0, 500, "vfio_dev1", QOM, "stop");
            assertThat(q.outcome().get(60, TimeUnit.SECONDS)).isEqualTo(AttachedQemu.Outcome.COMPLETED);
            eventually(() -> d.state() == STOP);

            assertThat(d.spans()).extracting(StateSpan::state)
                    .containsExactly(PRE_COPY, PRE_COPY_P2P, STOP_COPY, STOP);
            assertThat(d.features()).isEqualTo(MigFeatures.ALL);
            assertThat(seen).extracting(Observation::text)
                    .anyMatch(t -> t.contains("pre-copy-p2p-prepare: QEMU is about to SET PRE_COPY_P2P"));
            JsonNode r = QemuReport.of(List.of(q)).json().path("qemus").get(0);
            JsonNode bytes = r.path("devices").get(0).path("vfio_bytes_polled");
            assertThat(bytes.path("before_stop_copy").asLong()).isEqualTo(1000);
            assertThat(bytes.path("after_stop_copy").asLong()).isEqualTo(96);
            assertThat(bytes.path("note").asText()).contains("polls");
            JsonNode m = r.path("migrations").get(0);
            assertThat(m.path("status").asText()).isEqualTo("completed");
            assertThat(m.path("downtime_ms").asLong()).isEqualTo(37);
            assertThat(m.path("total_time_ms").asLong()).isEqualTo(410);
            assertThat(r.path("partial").asBoolean()).isFalse();
        }
    }

    @Test
    void anEventForADeviceQomDoesNotListIsSaidAndFollowed() throws Exception {
        try (FakeQmpServer f = qemu(10, 0, "running", true); AttachedQemu q = attach()) {
            f.vfioMigration(T0, 0, "ghost", "/machine/peripheral/ghost", "stop");
            eventually(() -> q.devices().size() == 2);
            assertThat(seen).filteredOn(o -> o.kind() == Observation.Kind.WARNING).extracting(Observation::text)
                    .anyMatch(t -> t.contains("/machine/peripheral/ghost") && t.contains("host device unknown"));
            assertThat(q.devices().get(1).state()).isEqualTo(STOP);
        }
    }

    @Test
    void withoutMigrationEventsAttachSaysSoAndNamesThePropertyAndWhyDebugfsCannotStandIn() throws Exception {
        try (FakeQmpServer f = qemu(10, 0, "running", false); AttachedQemu q = attach()) {
            assertThat(q.warnings()).singleElement().asString()
                    .contains("vfio_dev1: migration-events is off, so QEMU sends no VFIO_MIGRATION event for it")
                    .contains("the fallback of polling the kernel's debugfs migration state is off: no device "
                            + UUID + " on this host")
                    .contains("-device vfio-pci,...,migration-events=on");
        }
    }

    @Test
    void aQemuOlderThanNineOneIsToldWhichVersionHasTheEvent() throws Exception {
        try (FakeQmpServer f = qemu(8, 2, "running", false); AttachedQemu q = attach()) {
            assertThat(q.warnings()).singleElement().asString()
                    .contains("QEMU 8.2.0 has no VFIO_MIGRATION event").contains("QEMU 9.1");
        }
    }

    /** The host device QEMU's vfio-pci maps to, with the state the kernel's debugfs would show. */
    private FakeBackend hostWithTheDevice() {
        return new FakeBackend().add(new FakeDevice(UUID, "mtty", MigFeatures.ALL, new byte[96]));
    }

    private AttachedQemu attach(FakeBackend host) throws QmpException {
        return AttachedQemu.attach(dir.resolve("qmp"), QemuProcess.WAIT, FakeBackend.registry(host), seen::add);
    }

    @Test
    void withoutMigrationEventsTheDeviceFollowsTheKernelsDebugfsStateMarkedAsPolled() throws Exception {
        FakeBackend host = hostWithTheDevice().watchable(UUID, RUNNING);
        List<DeviceEvent> events = new CopyOnWriteArrayList<>();
        try (FakeQmpServer f = qemu(10, 0, "running", false); AttachedQemu q = attach(host)) {
            assertThat(q.warnings()).singleElement().asString()
                    .contains("vfio_dev1: migration-events is off, so QEMU sends no VFIO_MIGRATION event for it")
                    .contains("the fallback is on, polling host device " + UUID + "'s state in the kernel's debugfs")
                    .contains("marked as polled").contains("migration-events=on");
            ObservedDevice d = q.devices().get(0);
            assertThat(d.info().access()).isEqualTo("followed over QMP from QEMU vm1: states polled from debugfs");
            d.addListener(events::add);
            for (MigState s : List.of(PRE_COPY, PRE_COPY_P2P, STOP_COPY, STOP)) {
                host.watchable(UUID, s);
                eventually(() -> d.state() == s);
            }

            assertThat(d.spans()).extracting(StateSpan::state).containsExactly(PRE_COPY, PRE_COPY_P2P, STOP_COPY, STOP);
            assertThat(d.spans()).allMatch(StateSpan::polled).allMatch(sp -> sp.kernelSteps().isEmpty());
            assertThat(d.features()).isEqualTo(MigFeatures.ALL);
            assertThat(events).extracting(DeviceEvent::kind, DeviceEvent::call, DeviceEvent::finalState).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(DeviceEvent.Kind.STATE_OBSERVED, "debugfs migration/state", PRE_COPY),
                    org.assertj.core.groups.Tuple.tuple(DeviceEvent.Kind.STATE_OBSERVED, "debugfs migration/state", PRE_COPY_P2P),
                    org.assertj.core.groups.Tuple.tuple(DeviceEvent.Kind.STATE_OBSERVED, "debugfs migration/state", STOP_COPY),
                    org.assertj.core.groups.Tuple.tuple(DeviceEvent.Kind.STATE_OBSERVED, "debugfs migration/state", STOP));
            assertThat(events).allMatch(e -> e.message().startsWith("polled: QEMU sends no VFIO_MIGRATION event"));
            assertThat(seen).filteredOn(o -> o.kind() == Observation.Kind.DEVICE_STATE).extracting(Observation::text)
                    .containsExactly("debugfs  vfio_dev1  RUNNING -> PRE_COPY  (polled: not QEMU's event)",
                            "debugfs  vfio_dev1  PRE_COPY -> PRE_COPY_P2P  (polled: not QEMU's event)",
                            "debugfs  vfio_dev1  PRE_COPY_P2P -> STOP_COPY  (polled: not QEMU's event)",
                            "debugfs  vfio_dev1  STOP_COPY -> STOP  (polled: not QEMU's event)");

            QemuReport report = QemuReport.of(List.of(q));
            JsonNode states = report.json().path("qemus").get(0).path("devices").get(0).path("states");
            assertThat(states).extracting(st -> st.path("seen_by").asText()).containsOnly("debugfs");
            assertThat(states.get(0).path("qemu_state").isNull()).isTrue();
            assertThat(report.text().lines().filter(l -> l.contains("STOP_COPY"))).singleElement().asString()
                    .endsWith("  (polled from debugfs)");
        }
    }

    @Test
    void withMigrationEventsDebugfsIsNotPolled() throws Exception {
        FakeBackend host = hostWithTheDevice().watchable(UUID, STOP);
        try (FakeQmpServer f = qemu(10, 0, "running", true); AttachedQemu q = attach(host)) {
            assertThat(q.warnings()).isEmpty();
            f.vfioMigration(T0, 100, "vfio_dev1", QOM, "pre-copy");
            ObservedDevice d = q.devices().get(0);
            eventually(() -> d.state() == PRE_COPY);
            assertThat(d.spans()).singleElement().matches(sp -> !sp.polled());
            assertThat(d.info().access()).isEqualTo("followed over QMP from QEMU vm1: VFIO_MIGRATION events");
        }
    }

    @Test
    void aHostDeviceDebugfsCannotReadIsSaidWithTheBackendsReason() throws Exception {
        try (FakeQmpServer f = qemu(10, 0, "running", false); AttachedQemu q = attach(hostWithTheDevice())) {
            assertThat(q.warnings()).singleElement().asString()
                    .contains("the fallback of polling the kernel's debugfs migration state is off: "
                            + "the fake backend cannot read a device's state without opening it")
                    .contains("only the migration's status and bytes are followed");
            assertThat(q.devices().get(0).info().access()).isEqualTo(
                    "followed over QMP from QEMU vm1: no device states (no VFIO_MIGRATION event, no debugfs fallback)");
        }
    }

    /** Waits (never a time assertion) for what the observer thread does next. */
    static void eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + QemuProcess.WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not reached within " + QemuProcess.WAIT.toSeconds() + " s");
            }
            Thread.sleep(20);
        }
    }
}
