package dev.migscope.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.migscope.testsupport.FakeQmpServer;
import dev.migscope.testsupport.QemuProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A QMP peer that is not the QEMU migscope expects: it sends without end, lists a million devices,
 * greets late, answers against QAPI, or puts terminal escapes in its text. Each is one line naming
 * the bound or the member and the QEMU's socket, and nothing of it reaches a user raw.
 */
class HostileQmpTest {

    private static final long WAIT_S = QemuProcess.WAIT.toSeconds();
    private static final String ESCAPES = "\u001b]0;pwned\u0007\u001b[2J\u009b31m\u007f";

    @TempDir
    Path dir;

    private final List<Observation> seen = new CopyOnWriteArrayList<>();

    /** A QEMU 10 that answers every query migscope sends at attach, changed by {@code script}. */
    private FakeQmpServer qemu(Path sock, UnaryOperator<FakeQmpServer> script) throws IOException {
        return script.apply(FakeQmpServer.start(sock, FakeQmpServer.greeting(10, 0, 2))
                .reply("qmp_capabilities", "{}").reply("query-name", "{\"name\": \"vm\"}")
                .reply("query-status", "{\"status\": \"running\", \"running\": true}")
                .reply("query-migrate-parameters", "{\"downtime-limit\": 300}")
                .reply("query-migrate-capabilities", "[{\"capability\": \"events\", \"state\": true}]")
                .reply("query-migrate", "{\"status\": \"none\"}").reply("qom-list", "[]"));
    }

    private AttachRun.Result attachRun(Path sock) throws InterruptedException {
        AttachRun.Options o = new AttachRun.Options(List.of(sock), false, QemuProcess.WAIT, null, false, null);
        try (AttachRun run = new AttachRun(o, QemuProcess.NO_HOST_DEVICES, seen::add)) {
            return run.run();
        }
    }

    @Test
    void anEndlessMessageIsDroppedAtTheBoundNamingIt() throws Exception {
        Path sock = dir.resolve("endless.qmp");
        try (FakeQmpServer f = FakeQmpServer.start(sock, FakeQmpServer.greeting(10, 0, 2))
                .reply("qmp_capabilities", "{}");
                QmpClient c = QmpClient.connect(sock, QemuProcess.WAIT, e -> { })) {
            String chunk = "0,".repeat(1 << 19);
            CompletableFuture.runAsync(() -> {
                try {
                    f.send("[");
                    for (int i = 0; i < 3 * (QmpClient.MAX_MESSAGE_BYTES / chunk.length()); i++) {
                        f.send(chunk);
                    }
                } catch (IOException | InterruptedException e) {
                    // migscope hung up, as it should
                }
            });
            QmpError why = c.closed().get(WAIT_S, TimeUnit.SECONDS);
            assertThat(why.kind()).isEqualTo(QmpError.Kind.LIMIT);
            assertThat(why.describe()).startsWith(sock + ": ").contains("16 MiB");
        }
    }

    @Test
    void aMillionDevicesAreRefusedWithALineAndTheRunFails() throws Exception {
        Path sock = dir.resolve("million.qmp");
        StringBuilder list = new StringBuilder("[");
        for (int i = 0; i < 1_000_000; i++) {
            list.append(i == 0 ? "" : ",").append("{\"name\":\"d").append(i).append("\",\"type\":\"child<vfio-pci>\"}");
        }
        String million = list.append(']').toString();
        try (FakeQmpServer f = qemu(sock, q -> q.reply("qom-list", a -> million))) {
            AttachRun.Result r = attachRun(sock);
            assertThat(r.ending()).isEqualTo(AttachRun.Ending.FAILED);
            assertThat(r.message()).startsWith(sock + ": ").contains("bound");
        }
    }

    @Test
    void moreVfioDevicesThanTheBoundAreRefusedBeforeAnyIsRead() throws Exception {
        Path sock = dir.resolve("many.qmp");
        StringBuilder list = new StringBuilder("[");
        for (int i = 0; i <= VfioPciDevice.MAX_DEVICES; i++) {
            list.append(i == 0 ? "" : ",").append("{\"name\":\"d").append(i).append("\",\"type\":\"child<vfio-pci>\"}");
        }
        String many = list.append(']').toString();
        try (FakeQmpServer f = qemu(sock, q -> q.reply("qom-list", a -> a.path("path").asText()
                .equals("/machine/peripheral") ? many : "[]"))) {
            AttachRun.Result r = attachRun(sock);
            assertThat(r.ending()).isEqualTo(AttachRun.Ending.FAILED);
            assertThat(r.message()).isEqualTo(sock + ": QEMU lists " + (VfioPciDevice.MAX_DEVICES + 1)
                    + " vfio-pci devices, more than migscope follows (" + VfioPciDevice.MAX_DEVICES
                    + "): stopped following it");
            assertThat(f.received()).doesNotContain("qom-get");
        }
    }

    @Test
    void aLateGreetingIsWaitedForSaidSoAndAttached() throws Exception {
        Path sock = dir.resolve("late.qmp");
        try (FakeQmpServer f = FakeQmpServer.startSilent(sock, FakeQmpServer.greeting(10, 0, 2))
                .reply("qmp_capabilities", "{}")) {
            CompletableFuture<Duration> waiting = new CompletableFuture<>();
            CompletableFuture<QmpClient> client = CompletableFuture.supplyAsync(() -> {
                try {
                    return QmpClient.connect(sock, QemuProcess.WAIT, waiting::complete, e -> { });
                } catch (QmpException e) {
                    throw new IllegalStateException(e.getMessage());
                }
            });
            assertThat(waiting.get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(QemuProcess.WAIT);
            f.greet();
            try (QmpClient c = client.get(WAIT_S, TimeUnit.SECONDS)) {
                assertThat(c.version().toString()).isEqualTo("10.0.2");
            }
        }
    }

    @Test
    void aRunStateOfTheWrongTypeOrUnknownIsOneLineNamingTheMember() throws Exception {
        Path number = dir.resolve("number.qmp");
        try (FakeQmpServer f = qemu(number, q -> q.reply("query-status", "{\"status\": 42}"))) {
            AttachRun.Result r = attachRun(number);
            assertThat(r.ending()).isEqualTo(AttachRun.Ending.FAILED);
            assertThat(r.message()).startsWith(number + ": query-status's reply: status is a number; QMP documents "
                    + "a string");
        }
        Path unknown = dir.resolve("unknown.qmp");
        try (FakeQmpServer f = qemu(unknown, q -> q.reply("query-status", "{\"status\": \"frobnicating\"}"))) {
            assertThat(attachRun(unknown).message()).startsWith(unknown + ": query-status's reply: status is "
                    + "'frobnicating', a value this migscope does not know");
        }
        Path missing = dir.resolve("missing.qmp");
        try (FakeQmpServer f = qemu(missing, q -> q.reply("query-migrate-capabilities", "[{\"state\": true}]"))) {
            assertThat(attachRun(missing).message()).startsWith(missing + ": query-migrate-capabilities's reply: "
                    + "[0].capability is missing");
        }
    }

    @Test
    void aMalformedPollMidFollowEndsTheConnectionNamingTheField() throws Exception {
        Path sock = dir.resolve("poll.qmp");
        String[] migrate = {"{\"status\": \"none\"}"};
        try (FakeQmpServer f = qemu(sock, q -> q.reply("query-migrate", a -> migrate[0]));
                AttachedQemu q = AttachedQemu.attach(sock, QemuProcess.WAIT, QemuProcess.NO_HOST_DEVICES, seen::add)) {
            migrate[0] = "{\"status\": \"active\", \"ram\": {\"transferred\": \"lots\"}}";
            String why = q.gone().get(WAIT_S, TimeUnit.SECONDS);
            assertThat(why).startsWith(sock + ": ").contains("query-migrate's reply: ram.transferred is a string");
        }
    }

    @Test
    void escapesInEventDataAndInAnErrorDescReachNoOneRaw() throws Exception {
        Path sock = dir.resolve("esc.qmp");
        try (FakeQmpServer f = qemu(sock, q -> q.error("migrate", "GenericError", "no " + ESCAPES));
                AttachedQemu q = AttachedQemu.attach(sock, QemuProcess.WAIT, QemuProcess.NO_HOST_DEVICES, seen::add)) {
            f.send("{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"GUEST_PANICKED\", "
                    + "\"data\": {\"action\": \"" + ESCAPES.replace("\u001b", "\\u001b").replace("\u0007", "\\u0007")
                    + "\"}}\r\n");
            QemuControl control = new QemuControl(q);
            control.setArmed(true);
            QmpException e = catchThrowableOfType(QmpException.class, () -> control.migrate("unix:/tmp/m.sock"));
            assertThat(e.error().message()).contains("\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u007f")
                    .doesNotContain("\u001b");
            Observation event = waitForEvent();
            assertThat(event.text()).contains("\\u001b]0;pwned").doesNotContain("\u001b").doesNotContain("\u009b");
            assertThat(event.json().path("data").path("action").asText()).isEqualTo(ESCAPES);
        }
    }

    private Observation waitForEvent() throws InterruptedException {
        long deadline = System.nanoTime() + QemuProcess.WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (Observation o : seen) {
                if (o.kind() == Observation.Kind.EVENT) {
                    return o;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no event among " + seen);
    }

    @Test
    void exportedAndUnknownUriSchemesAreRefusedBeforeSending() throws Exception {
        assertThat(QemuControl.uriRefusal("exec:cat > /tmp/x")).get().asString()
                .contains("unix:, tcp:, rdma:, file:, vsock:").contains("shell command");
        assertThat(QemuControl.uriRefusal("fd:mig")).isPresent();
        assertThat(QemuControl.uriRefusal("/tmp/mig.sock")).isPresent();
        assertThat(QemuControl.uriRefusal("unix:/tmp/mig.sock")).isEmpty();
        assertThat(QemuControl.uriRefusal("tcp:10.0.0.2:4444")).isEmpty();
        Path sock = dir.resolve("uri.qmp");
        try (FakeQmpServer f = qemu(sock, q -> q.reply("migrate", "{}"));
                AttachedQemu q = AttachedQemu.attach(sock, QemuProcess.WAIT, QemuProcess.NO_HOST_DEVICES, seen::add)) {
            QemuControl control = new QemuControl(q);
            control.setArmed(true);
            QmpException e = catchThrowableOfType(QmpException.class, () -> control.migrate("exec:touch /tmp/owned"));
            assertThat(e.error().kind()).isEqualTo(QmpError.Kind.REFUSED);
            assertThat(f.received()).doesNotContain("migrate");
        }
    }
}
