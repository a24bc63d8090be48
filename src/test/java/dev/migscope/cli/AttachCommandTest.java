package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.testsupport.FakeQmpServer;
import dev.migscope.testsupport.QemuProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code migscope attach} on real QEMU 10 processes, and on sockets that misbehave. */
class AttachCommandTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DeviceRegistry REGISTRY = DeviceRegistry.load(true);

    @TempDir
    Path dir;

    /** The CLI on this host's (simulated) devices, running in this JVM. */
    private static LiveCli live(String... args) {
        return new LiveCli(MigscopeCli.commandLine(sim -> REGISTRY, false), Duration.ofSeconds(120), args);
    }

    @Test
    void aRealMigrationIsFollowedUntilDoneAndTheReportWritten() throws Exception {
        Path mig = dir.resolve("mig.sock");
        Path report = dir.resolve("out").resolve("report.json");
        Files.createDirectories(report.getParent());
        try (QemuProcess src = QemuProcess.start(dir, "src");
                QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "unix:" + mig)) {
            // The source sends its statuses as MIGRATION events (as under libvirt); the destination's come from polls.
            src.enableCapabilities("events");
            LiveCli run = live("attach", src.qmp().toString(), dst.qmp().toString(), "--until-done",
                    "--timeout", "2m", "--report", report.toString());
            run.awaitOut("attached: QEMU", 2);
            src.migrate(mig);

            assertThat(run.exit()).as(run.err.toString()).isEqualTo(ExitCode.OK);
            assertThat(run.err.toString()).isEmpty();
            assertThat(run.out.toString()).contains("src  migration  none -> setup  (MIGRATION event)")
                    .contains("src  migration  setup -> active  (MIGRATION event)")
                    .containsPattern("dst  migration  [a-z]+ -> completed  \\(query-migrate\\)")
                    .contains("src  migration completed, total ");
            JsonNode r = MAPPER.readTree(report.toFile());
            JsonNode s = r.path("qemus").get(0);
            assertThat(s.path("name").asText()).isEqualTo("src");
            assertThat(s.path("outcome").asText()).isEqualTo("completed");
            assertThat(s.path("partial").asBoolean()).isFalse();
            JsonNode m = s.path("migrations").get(0);
            assertThat(m.path("status").asText()).isEqualTo("completed");
            assertThat(m.path("total_time_ms").asLong()).isPositive();
            assertThat(m.path("downtime_ms").isNumber()).isTrue();
            assertThat(m.path("setup_time_ms").isNumber()).isTrue();
            assertThat(m.path("ram_bytes").asLong()).isPositive();
            assertThat(r.path("qemus").get(1).path("outcome").asText()).isEqualTo("completed");
            try (Stream<Path> files = Files.list(report.getParent())) {
                assertThat(files).containsExactly(report);
            }
        }
    }

    @Test
    void qemuKilledMidMigrationIsQemuGoneWithThePartialReportKept() throws Exception {
        Path mig = dir.resolve("mig.sock");
        Path report = dir.resolve("report.json");
        try (QemuProcess src = QemuProcess.start(dir, "src");
                QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "unix:" + mig)) {
            // Paused before the switch-over, the migration waits for migrate-continue: killed there, it is mid-way.
            src.enableCapabilities("pause-before-switchover", "events");
            LiveCli run = live("attach", src.qmp().toString(), "--until-done", "--report", report.toString());
            run.awaitOut("attached: QEMU", 1);
            src.migrate(mig);
            run.awaitOut("-> pre-switchover", 1);
            src.kill();

            assertThat(run.exit()).isEqualTo(ExitCode.FAILED);
            assertThat(run.err.toString().lines()).singleElement().asString()
                    .startsWith("migscope attach: src: QEMU gone");
            assertThat(run.out.toString()).contains("src  QEMU gone").contains("[partial report]");
            JsonNode s = MAPPER.readTree(report.toFile()).path("qemus").get(0);
            assertThat(s.path("outcome").asText()).isEqualTo("gone");
            assertThat(s.path("partial").asBoolean()).isTrue();
            assertThat(s.path("ended").asText()).contains("QEMU gone").contains("pre-switchover")
                    .contains("the report keeps what was seen");
            assertThat(s.path("migrations").get(0).path("status").asText()).isEqualTo("pre-switchover");
            assertThat(s.path("migrations").get(0).path("statuses")).extracting(st -> st.path("status").asText())
                    .containsExactly("setup", "active", "pre-switchover");
        }
    }

    /** The flags arm the first SOCKET's QEMU: downtime-limit first, then the migration, followed until done. */
    @Test
    void migrateAndDowntimeLimitFlagsActOnTheFirstQemuAndItIsFollowedUntilDone() throws Exception {
        Path mig = dir.resolve("mig.sock");
        try (QemuProcess src = QemuProcess.start(dir, "src");
                QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "unix:" + mig)) {
            LiveCli run = live("attach", src.qmp().toString(), dst.qmp().toString(), "--downtime-limit", "250",
                    "--migrate", "unix:" + mig, "--until-done", "--timeout", "2m");

            assertThat(run.exit()).as(run.err.toString()).isEqualTo(ExitCode.OK);
            assertThat(run.out.toString().lines().filter(l -> l.contains("armed: sent")).map(l -> l.substring(17)))
                    .containsExactly("src  armed: sent migrate-set-parameters downtime-limit=250 (QEMU now holds 250 "
                            + "ms)", "src  armed: sent migrate uri=unix:" + mig);
            assertThat(run.out.toString()).contains("src  migration completed, total ");
            assertThat(src.control().call("query-migrate-parameters", null).path("downtime-limit").asLong())
                    .isEqualTo(250);
            assertThat(dst.control().call("query-migrate-parameters", null).path("downtime-limit").asLong())
                    .as("only the first QEMU is acted on").isEqualTo(300);
        }
    }

    @Test
    void refusalsAreOneLineAndExitOneAndSendNothing() throws Exception {
        Path mig = dir.resolve("mig.sock");
        try (QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "unix:" + mig);
                QemuProcess vm = QemuProcess.start(dir, "vm")) {
            LiveCli incoming = live("attach", dst.qmp().toString(), "--migrate", "unix:" + mig);
            assertThat(incoming.exit()).isEqualTo(ExitCode.FAILED);
            assertThat(incoming.err.toString().lines()).singleElement().asString().isEqualTo("migscope attach: dst: it "
                    + "is the incoming side of a migration (run state inmigrate, started with -incoming): start the "
                    + "migration on the source QEMU");
            assertThat(incoming.out.toString()).doesNotContain("armed: sent");
            assertThat(dst.control().call("query-status", null).path("status").asText()).isEqualTo("inmigrate");
            LiveCli firstIsIncoming = live("attach", dst.qmp().toString(), vm.qmp().toString(), "--migrate",
                    "unix:" + mig);
            assertThat(firstIsIncoming.exit()).isEqualTo(ExitCode.FAILED);
            assertThat(firstIsIncoming.err.toString()).contains("dst: it is the incoming side of a migration")
                    .contains("(the flags act on the first SOCKET, " + dst.qmp() + ")");

            LiveCli cancel = live("attach", "--json", vm.qmp().toString(), "--cancel");
            assertThat(cancel.exit()).isEqualTo(ExitCode.FAILED);
            assertThat(cancel.err.toString().lines()).singleElement().asString().isEqualTo("migscope attach: vm: no "
                    + "migration is running (status none): nothing to cancel");
            LiveCli cancelIncoming = live("attach", dst.qmp().toString(), "--cancel");
            assertThat(cancelIncoming.exit()).isEqualTo(ExitCode.FAILED);
            assertThat(cancelIncoming.err.toString()).contains("dst: it is the incoming side of a migration")
                    .contains("cancel the migration on the source QEMU");

            LiveCli range = live("attach", dst.qmp().toString(), "--downtime-limit", "3000000");
            assertThat(range.exit()).isEqualTo(ExitCode.FAILED);
            assertThat(range.err.toString()).contains("downtime-limit 3000000 ms is out of range: QEMU takes 0 to "
                    + "2000000 ms");
            assertThat(dst.control().call("query-migrate-parameters", null).path("downtime-limit").asLong())
                    .isEqualTo(300);
        }
        LiveCli both = live("attach", dir.resolve("none.qmp").toString(), "--migrate", "unix:x", "--cancel");
        assertThat(both.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(both.err.toString().lines()).singleElement().asString()
                .isEqualTo("migscope attach: --migrate and --cancel together: give one");
    }

    @Test
    void aSocketThatIsNotQmpIsOneLineAndExitThree() throws Exception {
        Path sock = dir.resolve("ssh.sock");
        try (FakeQmpServer f = FakeQmpServer.start(sock, "SSH-2.0-OpenSSH_9.2\r\n")) {
            LiveCli run = live("attach", sock.toString());
            assertThat(run.exit()).isEqualTo(ExitCode.NO_DEVICE);
            assertThat(run.err.toString().lines()).singleElement().asString()
                    .isEqualTo("migscope attach: " + sock + ": not a QMP socket: its first bytes are not JSON "
                            + "(Unrecognized token 'SSH': was expecting (JSON String, Number, Array, Object or token "
                            + "'null', 'true' or 'false'))");
        }
    }

    @Test
    void truncatedJsonFromQemuIsOneLineAndExitOne() throws Exception {
        Path sock = dir.resolve("t.sock");
        try (FakeQmpServer f = FakeQmpServer.start(sock, FakeQmpServer.greeting(10, 0, 2))
                .reply("qmp_capabilities", "{}").reply("query-name", "{\"name\": \"vm\"}")
                .reply("query-status", "{\"status\": \"running\", \"running\": true}")
                .reply("query-migrate-parameters", "{\"downtime-limit\": 300}")
                .reply("query-migrate-capabilities", "[{\"capability\": \"events\", \"state\": false}]")
                .reply("query-migrate", "{\"status\": \"active\"}").reply("qom-list", "[]")) {
            LiveCli run = live("attach", "--json", sock.toString(), "--until-done");
            run.awaitOut("\"kind\":\"attached\"", 1);
            f.send("{\"timestamp\": {\"seconds\": 1713771323, \"microseconds\": 212268}, \"event\": \"MIGRATION\", "
                    + "\"data\": {\"sta");
            f.close();
            assertThat(run.exit()).isEqualTo(ExitCode.FAILED);
            assertThat(run.err.toString().lines()).singleElement().asString().contains("vm: QEMU's output ended in the "
                    + "middle of a JSON message (truncated)");
            for (String line : run.out.toString().lines().toList()) {
                assertThat(MAPPER.readTree(line).has("kind")).as(line).isTrue();
            }
            assertThat(run.out.toString()).contains("\"kind\":\"gone\"").contains("\"kind\":\"report\"");
        }
    }

    /** QEMU's error desc with a title-setting OSC and a screen clear: one error line, the escapes shown, none acted on. */
    @Test
    void anErrorDescWithTerminalEscapesIsOneVisibleLine() throws Exception {
        Path sock = dir.resolve("esc.sock");
        try (FakeQmpServer f = FakeQmpServer.start(sock, FakeQmpServer.greeting(10, 0, 2))
                .reply("qmp_capabilities", "{}").reply("query-name", "{\"name\": \"vm\"}")
                .reply("query-status", "{\"status\": \"running\", \"running\": true}")
                .reply("query-migrate-parameters", "{\"downtime-limit\": 300}")
                .reply("query-migrate-capabilities", "[{\"capability\": \"events\", \"state\": false}]")
                .reply("query-migrate", "{\"status\": \"none\"}").reply("qom-list", "[]")
                .error("migrate", "GenericError", "bad\u001b]0;owned\u0007\u001b[2J\ncleared\u009b")) {
            LiveCli run = live("attach", sock.toString(), "--migrate", "unix:/tmp/x.sock");
            assertThat(run.exit()).isEqualTo(ExitCode.FAILED);
            assertThat(run.err.toString().lines()).singleElement().asString()
                    .isEqualTo("migscope attach: vm: migrate failed: bad\\u001b]0;owned\\u0007\\u001b[2J\\u000acleared"
                            + "\\u009b (GenericError)");
        }
    }

    @Test
    void anExecUriIsRefusedBeforeAnythingIsReached() throws Exception {
        LiveCli run = live("attach", dir.resolve("none.qmp").toString(), "--migrate", "exec:cat > /tmp/owned");
        assertThat(run.exit()).isEqualTo(ExitCode.FAILED);
        assertThat(run.err.toString().lines()).singleElement().asString()
                .startsWith("migscope attach: --migrate: migration URI exec:cat > /tmp/owned refused: migscope sends "
                        + "only unix:, tcp:, rdma:, file:, vsock: URIs");
        LiveCli remote = new LiveCli(MigscopeCli.commandLine(sim -> REGISTRY, false), Duration.ofSeconds(120),
                "--host", "nobody@host.invalid", "attach", "/run/vm.qmp", "--migrate", "exec:true");
        assertThat(remote.exit()).isEqualTo(ExitCode.FAILED);
        assertThat(remote.err.toString().lines()).singleElement().asString().contains("refused").contains("exec:");
    }
}
