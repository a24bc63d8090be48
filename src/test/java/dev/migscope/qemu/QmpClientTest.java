package dev.migscope.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.migscope.testsupport.FakeQmpServer;
import dev.migscope.testsupport.QemuProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The QMP client against a real QEMU 10 and against sockets that misbehave. */
class QmpClientTest {

    @TempDir
    Path dir;

    @Test
    void handshakeCommandsAndEventsWithARealQemu() throws Exception {
        try (QemuProcess vm = QemuProcess.start(dir, "vm1")) {
            BlockingQueue<QmpEvent> events = new LinkedBlockingQueue<>();
            try (QmpClient c = QmpClient.connect(vm.qmp(), QemuProcess.WAIT, events::add)) {
                assertThat(c.version().atLeast(QemuVersion.VFIO_MIGRATION_EVENTS)).isTrue();
                assertThat(c.call("query-name", null).path("name").asText()).isEqualTo("vm1");
                QmpException bad = catchThrowableOfType(QmpException.class, () -> c.call("no-such-command", null));
                assertThat(bad.error().kind()).isEqualTo(QmpError.Kind.COMMAND);
                assertThat(bad.error().message()).contains("no-such-command").contains("CommandNotFound");

                long before = Micros.now();
                vm.control().call("stop", null);
                QmpEvent stop = events.poll(QemuProcess.WAIT.toSeconds(), TimeUnit.SECONDS);
                assertThat(stop).isNotNull();
                assertThat(stop.name()).isEqualTo("STOP");
                assertThat(stop.timestampMicros()).isGreaterThanOrEqualTo(before - 1_000_000);
                assertThat(c.call("query-status", null).path("status").asText()).isEqualTo("paused");

                vm.kill();
                assertThat(c.closed().get(60, TimeUnit.SECONDS).kind()).isEqualTo(QmpError.Kind.GONE);
                QmpException gone = catchThrowableOfType(QmpException.class, () -> c.call("query-name", null));
                assertThat(gone.error().message()).startsWith("QEMU gone");
            }
        }
    }

    @Test
    void aSocketThatIsNotQmpIsNamedSo() throws Exception {
        Path sock = dir.resolve("ssh");
        try (FakeQmpServer f = FakeQmpServer.start(sock, "SSH-2.0-OpenSSH_9.2\r\n")) {
            QmpException e = catchThrowableOfType(QmpException.class,
                    () -> QmpClient.connect(sock, QemuProcess.WAIT, x -> { }));
            assertThat(e.error().kind()).isEqualTo(QmpError.Kind.NOT_QMP);
            assertThat(e.getMessage()).startsWith(sock + ": not a QMP socket");
        }
    }

    @Test
    void aSilentSocketTimesOutNamingTheOneClientRule() throws Exception {
        Path sock = dir.resolve("silent");
        try (FakeQmpServer f = FakeQmpServer.start(sock, "")) {
            QmpException e = catchThrowableOfType(QmpException.class,
                    () -> QmpClient.connect(sock, Duration.ofSeconds(1), x -> { }));
            assertThat(e.error().kind()).isEqualTo(QmpError.Kind.NOT_QMP);
            assertThat(e.getMessage()).contains("no QMP greeting").contains("serves one client")
                    .contains("-qmp unix:");
        }
    }

    @Test
    void aMissingPathAndAFileAreNotSockets() throws Exception {
        QmpException missing = catchThrowableOfType(QmpException.class,
                () -> QmpClient.connect(dir.resolve("nope"), QemuProcess.WAIT, x -> { }));
        assertThat(missing.error().kind()).isEqualTo(QmpError.Kind.NO_SOCKET);
        assertThat(missing.getMessage()).contains("no such file").contains("server=on");
        Path file = Files.writeString(dir.resolve("file"), "x");
        QmpException notSocket = catchThrowableOfType(QmpException.class,
                () -> QmpClient.connect(file, QemuProcess.WAIT, x -> { }));
        assertThat(notSocket.error().kind()).isEqualTo(QmpError.Kind.NOT_QMP);
        assertThat(notSocket.getMessage()).contains("not a socket");
    }

    /** Root (as these tests run) is never refused by a socket's mode: the message is checked on the errno's text. */
    @Test
    void permissionDeniedNamesTheSocketAndTheFix() {
        QmpError e = QmpClient.connectError("/var/lib/libvirt/qemu/vm.qmp",
                new java.net.SocketException("Permission denied"));
        assertThat(e.kind()).isEqualTo(QmpError.Kind.PERMISSION);
        assertThat(e.describe()).isEqualTo("/var/lib/libvirt/qemu/vm.qmp: permission denied (EACCES): run migscope as "
                + "the user QEMU runs as (or root), or let this user write the socket (chgrp/chmod g+rw "
                + "/var/lib/libvirt/qemu/vm.qmp)");
        assertThat(QmpClient.connectError("/s", new java.net.ConnectException("Connection refused")).message())
                .contains("ECONNREFUSED").contains("exited");
    }

    @Test
    void truncatedAndMalformedJsonEndTheConnectionWithTheirOwnMessage() throws Exception {
        Path sock = dir.resolve("t");
        BlockingQueue<QmpEvent> events = new LinkedBlockingQueue<>();
        try (FakeQmpServer f = FakeQmpServer.start(sock, FakeQmpServer.greeting(10, 0, 2)).reply("qmp_capabilities",
                "{}"); QmpClient c = QmpClient.connect(sock, QemuProcess.WAIT, events::add)) {
            f.send("{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}\r\n");
            f.send("{\"event\": \"RESUME\", \"timesta");
            f.close();
            QmpError why = c.closed().get(60, TimeUnit.SECONDS);
            assertThat(why.kind()).isEqualTo(QmpError.Kind.TRUNCATED);
            assertThat(why.message()).contains("truncated");
            assertThat(events).extracting(QmpEvent::name).containsExactly("STOP");
            assertThat(events.peek().timestampMicros()).isEqualTo(1_000_002);
        }
        Path sock2 = dir.resolve("m");
        try (FakeQmpServer f = FakeQmpServer.start(sock2, FakeQmpServer.greeting(10, 0, 2)).reply("qmp_capabilities",
                "{}"); QmpClient c = QmpClient.connect(sock2, QemuProcess.WAIT, x -> { })) {
            f.send("{\"event\": STOP}\r\n");
            QmpError why = c.closed().get(60, TimeUnit.SECONDS);
            assertThat(why.kind()).isEqualTo(QmpError.Kind.MALFORMED);
            assertThat(why.message()).contains("malformed JSON");
        }
    }
}
