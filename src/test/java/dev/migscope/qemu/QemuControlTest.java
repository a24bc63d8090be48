package dev.migscope.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Owner;
import dev.migscope.testsupport.FakeQmpServer;
import dev.migscope.testsupport.QemuProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What migscope sends a QEMU: only queries until the user arms it (proven on the wire of a scripted
 * QEMU), and, armed, downtime-limit, a migration and its cancel on real QEMU 10 processes.
 */
class QemuControlTest {

    private static final long WAIT_S = QemuProcess.WAIT.toSeconds();
    private static final String QOM = "/machine/peripheral/mtty0";

    @TempDir
    Path dir;

    private final List<Observation> seen = new CopyOnWriteArrayList<>();

    /** A command that only reads: QMP's handshake, query-*, qom-list, qom-get. */
    private static boolean reads(String command) {
        return command.equals("qmp_capabilities") || command.startsWith("query-") || command.equals("qom-list")
                || command.equals("qom-get");
    }

    @Test
    void notArmedItSendsOnlyQueriesAndRefusesEveryCommandBeforeSendingIt() throws Exception {
        try (FakeQmpServer fake = FakeQmpServer.start(dir.resolve("vm.qmp"), FakeQmpServer.greeting(10, 0, 2))
                .reply("qmp_capabilities", "{}").reply("query-name", "{\"name\": \"vm1\"}")
                .reply("query-status", "{\"status\": \"running\", \"running\": true}")
                .reply("query-migrate-parameters", "{\"downtime-limit\": 300}")
                .reply("query-migrate-capabilities", "[{\"capability\": \"events\", \"state\": false}]")
                .reply("query-migrate", "{\"status\": \"active\", \"vfio\": {\"transferred\": 96}}")
                .reply("qom-list", a -> a.path("path").asText().equals("/machine/peripheral")
                        ? "[{\"name\": \"mtty0\", \"type\": \"child<vfio-pci>\"}]" : "[]")
                .reply("qom-get", a -> a.path("property").asText().equals("migration-events") ? "true" : "\"\"");
                AttachedQemu q = AttachedQemu.attach(dir.resolve("vm.qmp"), QemuProcess.WAIT, QemuProcess.NO_HOST_DEVICES,
                        seen::add)) {
            fake.vfioMigration(1_713_771_323L, 1, "mtty0", QOM, "pre-copy");
            fake.send("{\"timestamp\": {\"seconds\": 1713771323, \"microseconds\": 2}, \"event\": \"MIGRATION\", "
                    + "\"data\": {\"status\": \"active\"}}\r\n");
            waitFor(() -> fake.received().stream().filter(c -> c.equals("query-migrate")).count() >= 3);

            QemuControl control = new QemuControl(q);
            assertThat(control.isArmed()).isFalse();
            for (QmpException refused : List.of(
                    catchThrowableOfType(QmpException.class, () -> control.migrate("unix:/tmp/mig.sock")),
                    catchThrowableOfType(QmpException.class, control::cancel),
                    catchThrowableOfType(QmpException.class, () -> control.setDowntimeLimit(100)))) {
                assertThat(refused.error().kind()).isEqualTo(QmpError.Kind.REFUSED);
                assertThat(refused.error().message()).startsWith("not armed: migscope does not ")
                        .contains("arm it first");
            }
            assertThat(fake.received()).contains("qmp_capabilities", "query-migrate", "qom-list").allMatch(
                    QemuControlTest::reads);
            assertThat(seen).noneMatch(o -> o.kind() == Observation.Kind.COMMAND);
        }
    }

    @Test
    void armedItSetsDowntimeLimitAndMigratesToCompletionAndRefusesTheIncomingSide() throws Exception {
        Path mig = dir.resolve("mig.sock");
        try (QemuProcess src = QemuProcess.start(dir, "src");
                QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "unix:" + mig);
                AttachedQemu s = AttachedQemu.attach(src.qmp(), QemuProcess.WAIT,
                        DeviceRegistry.load(false), seen::add);
                AttachedQemu d = AttachedQemu.attach(dst.qmp(), QemuProcess.WAIT, QemuProcess.NO_HOST_DEVICES,
                        seen::add)) {
            // No host device names a RAM-only QEMU: its pid is its QMP socket's listener.
            assertThat(s.process()).contains(new Owner((int) src.pid(), QemuProcess.BINARY));
            assertThat(QemuReport.of(List.of(s)).text()).contains("pid " + src.pid());
            QemuControl source = new QemuControl(s);
            QemuControl destination = new QemuControl(d);
            source.setArmed(true);
            destination.setArmed(true);

            Observation set = source.setDowntimeLimit(123);
            assertThat(set.kind()).isEqualTo(Observation.Kind.COMMAND);
            assertThat(set.text()).isEqualTo("armed: sent migrate-set-parameters downtime-limit=123 (QEMU now holds "
                    + "123 ms)");
            assertThat(src.control().call("query-migrate-parameters", null).path("downtime-limit").asLong())
                    .isEqualTo(123);
            assertThat(s.downtimeLimitMs()).isEqualTo(123);
            QmpException range = catchThrowableOfType(QmpException.class, () -> source.setDowntimeLimit(-1));
            assertThat(range.error().message()).isEqualTo("downtime-limit -1 ms is out of range: QEMU takes 0 to "
                    + "2000000 ms");

            QmpException incoming = catchThrowableOfType(QmpException.class,
                    () -> destination.migrate("unix:" + mig));
            assertThat(incoming.error().kind()).isEqualTo(QmpError.Kind.REFUSED);
            assertThat(incoming.getMessage()).isEqualTo(dst.qmp() + ": it is the incoming side of a migration (run "
                    + "state inmigrate, started with -incoming): start the migration on the source QEMU");
            QmpException nothing = catchThrowableOfType(QmpException.class, source::cancel);
            assertThat(nothing.error().message()).isEqualTo("no migration is running (status none): nothing to "
                    + "cancel");

            assertThat(source.migrate("unix:" + mig).text()).isEqualTo("armed: sent migrate uri=unix:" + mig);
            assertThat(s.outcome().get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(AttachedQemu.Outcome.COMPLETED);
            assertThat(d.outcome().get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(AttachedQemu.Outcome.COMPLETED);
        }
    }

    @Test
    void armedItCancelsARunningMigration() throws Exception {
        Path mig = dir.resolve("mig.sock");
        try (QemuProcess src = QemuProcess.start(dir, "src");
                QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "unix:" + mig)) {
            // Paused before the switch-over, the migration waits there until cancelled.
            src.enableCapabilities("pause-before-switchover");
            try (AttachedQemu s = AttachedQemu.attach(src.qmp(), QemuProcess.WAIT, QemuProcess.NO_HOST_DEVICES,
                    seen::add)) {
                QemuControl source = new QemuControl(s);
                source.setArmed(true);
                source.migrate("unix:" + mig);
                waitFor(() -> !s.runs().isEmpty() && s.runs().get(0).status().equals("pre-switchover"));
                assertThat(source.cancel().text()).startsWith("armed: sent migrate_cancel (the migration was ");
                assertThat(s.outcome().get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(AttachedQemu.Outcome.FAILED);
                assertThat(s.runs().get(0).status()).isEqualTo("cancelled");
            }
        }
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void waitFor(Condition c) throws Exception {
        long deadline = System.nanoTime() + QemuProcess.WAIT.toNanos();
        while (!c.holds()) {
            assertThat(System.nanoTime()).as("condition not met in time").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
