package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.remote.SshSettings;
import dev.migscope.testsupport.QemuProcess;
import dev.migscope.testsupport.Sshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code migscope --host HOST attach} against a real sshd on 127.0.0.1 and real QEMU 10 processes
 * on that host (this machine), the far side's {@code migscope agent} being this build: a real
 * RAM-only migration followed there prints here what a local attach prints, with the same report
 * and exit code; a dropped connection is one line naming the host, the report so far, no file;
 * shell syntax in a socket path never leaves this host.
 */
class RemoteAttachTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    static Path sshDir;

    @TempDir
    Path dir;

    private static Sshd sshd;
    private static SshSettings ssh;

    @BeforeAll
    static void startSshd() throws Exception {
        sshd = Sshd.start(sshDir);
        ssh = sshd.agentSettings();
    }

    @AfterAll
    static void stopSshd() {
        if (sshd != null) {
            sshd.close();
        }
    }

    /** The CLI in this JVM: locally, or with --host through the sshd (then never touching this host's devices). */
    private static LiveCli live(boolean remote, SshSettings settings, String... args) {
        List<String> a = new ArrayList<>();
        if (remote) {
            a.addAll(List.of("--host", sshd.host()));
        }
        a.addAll(List.of(args));
        Function<Boolean, DeviceRegistry> registries = remote ? sim -> {
            throw new AssertionError("--host must not use this host's devices");
        } : DeviceRegistry::load;
        // Generous: a migration followed over ssh on a loaded TCG host takes its time.
        return new LiveCli(MigscopeCli.commandLine(registries, false, settings), Duration.ofSeconds(180),
                a.toArray(String[]::new));
    }

    /** One migration between two fresh QEMUs in {@code sub}, followed by the attach {@code start} makes. */
    private record Followed(LiveCli run, JsonNode fileReport) {
    }

    private Followed followAMigration(String sub, boolean remote) throws Exception {
        Path d = Files.createDirectories(dir.resolve(sub));
        Path mig = d.resolve("mig.sock");
        Path report = d.resolve("out").resolve("report.json");
        Files.createDirectories(report.getParent());
        try (QemuProcess src = QemuProcess.start(d, "src");
                QemuProcess dst = QemuProcess.start(d, "dst", "-incoming", "unix:" + mig)) {
            src.enableCapabilities("events");
            String[] args = {"attach", "--json", src.qmp().toString(), dst.qmp().toString(), "--until-done",
                "--timeout", "2m", "--report", report.toString()};
            LiveCli run = live(remote, ssh, args);
            run.awaitOut("\"kind\":\"attached\"", 2);
            src.migrate(mig);
            assertThat(run.exit()).as(run.err.toString()).isEqualTo(ExitCode.OK);
            try (Stream<Path> files = Files.list(report.getParent())) {
                assertThat(files).as("written whole, by a rename").containsExactly(report);
            }
            return new Followed(run, MAPPER.readTree(report.toFile()));
        }
    }

    /** Each line's qemu and kind, and each VFIO/status line's from and to: what must not depend on where it ran. */
    private static Set<String> kinds(String jsonLines) throws Exception {
        Set<String> kinds = new TreeSet<>();
        for (String line : jsonLines.lines().toList()) {
            JsonNode o = MAPPER.readTree(line);
            assertThat(o.path("kind").isTextual()).as(line).isTrue();
            assertThat(o.has("time_us") || o.path("kind").asText().equals("report")).as(line).isTrue();
            kinds.add(o.path("qemu").asText() + " " + o.path("kind").asText());
        }
        return kinds;
    }

    /** The report without its times and counts: member names everywhere, and the values that say how it went. */
    private static String structure(JsonNode n) {
        if (n.isObject()) {
            StringBuilder sb = new StringBuilder("{");
            n.properties().forEach(e -> sb.append(e.getKey()).append(':').append(switch (e.getKey()) {
                case "name", "role", "outcome", "partial", "ended", "status", "version", "socket" -> e.getValue()
                        .toString();
                case "statuses", "states" -> "[..]";
                default -> structure(e.getValue());
            }).append(','));
            return sb.append('}').toString();
        }
        if (n.isArray()) {
            StringBuilder sb = new StringBuilder("[");
            n.forEach(e -> sb.append(structure(e)).append(','));
            return sb.append(']').toString();
        }
        return n.isNull() ? "null" : n.getNodeType().name();
    }

    private static String sockets(String s, Path dir) {
        return s.replace(dir.toString(), "DIR");
    }

    @Test
    void aRealMigrationFollowedThroughHostPrintsAndReportsWhatALocalAttachDoes() throws Exception {
        Followed here = followAMigration("here", false);
        Followed there = followAMigration("there", true);

        assertThat(there.run().err.toString()).isEmpty();
        assertThat(kinds(there.run().out.toString())).isEqualTo(kinds(here.run().out.toString()))
                .contains("src attached", "dst attached", "src status", "dst status", " report");
        List<String> lines = there.run().out.toString().lines().toList();
        JsonNode printed = MAPPER.readTree(lines.get(lines.size() - 1));
        assertThat(printed.path("kind").asText()).isEqualTo("report");
        assertThat(there.fileReport().path("qemus")).extracting(q -> q.path("outcome").asText())
                .containsExactly("completed", "completed");
        assertThat(there.fileReport().path("qemus").get(0).path("migrations").get(0).path("ram_bytes").asLong())
                .isPositive();
        assertThat(sockets(structure(there.fileReport()), dir.resolve("there")))
                .isEqualTo(sockets(structure(here.fileReport()), dir.resolve("here")));
        ((ObjectNode) printed).remove("kind");
        assertThat(structure(printed)).isEqualTo(structure(there.fileReport()));
    }

    /** The arming flags act on the far QEMU; text lines and the text report as locally. */
    @Test
    void migrateAndDowntimeLimitActOnTheFarQemuAndTheTextIsALocalAttachs() throws Exception {
        Path mig = dir.resolve("mig.sock");
        try (QemuProcess src = QemuProcess.start(dir, "src");
                QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "unix:" + mig)) {
            LiveCli run = live(true, ssh, "attach", src.qmp().toString(), dst.qmp().toString(), "--downtime-limit", "250",
                    "--migrate", "unix:" + mig, "--until-done", "--timeout", "2m");

            assertThat(run.exit()).as(run.err.toString()).isEqualTo(ExitCode.OK);
            assertThat(run.err.toString()).isEmpty();
            String out = run.out.toString();
            assertThat(out.lines().filter(l -> l.contains("armed: sent")).map(l -> l.substring(17)))
                    .containsExactly("src  armed: sent migrate-set-parameters downtime-limit=250 (QEMU now holds 250 "
                            + "ms)", "src  armed: sent migrate uri=unix:" + mig);
            assertThat(out.lines().filter(l -> l.contains("attached: QEMU")).toList()).hasSize(2)
                    .allMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{6}  (src|dst)  attached: QEMU .*"));
            assertThat(out).contains("src  migration completed, total ")
                    .contains("\nQEMU src (").contains("\nQEMU dst (").contains("  migration completed");
            assertThat(src.control().call("query-migrate-parameters", null).path("downtime-limit").asLong())
                    .isEqualTo(250);
            assertThat(dst.control().call("query-migrate-parameters", null).path("downtime-limit").asLong())
                    .as("only the first QEMU is acted on").isEqualTo(300);
        }
    }

    /** Refusals and a socket that is not there: the same one line and exit code as locally, nothing sent. */
    @Test
    void refusalsAndMissingSocketsAreTheLocalLinesAndCodes() throws Exception {
        Path mig = dir.resolve("mig.sock");
        try (QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "unix:" + mig)) {
            String[][] commands = {
                {"attach", dst.qmp().toString(), "--migrate", "unix:" + mig},
                {"attach", dst.qmp().toString(), "--cancel"},
                {"attach", dst.qmp().toString(), "--downtime-limit", "3000000"},
                {"attach", dir.resolve("none.qmp").toString(), "--until-done"},
                {"attach", dst.qmp().toString(), "--migrate", "unix:x", "--cancel"},
            };
            for (String[] c : commands) {
                LiveCli here = live(false, ssh, c);
                LiveCli there = live(true, ssh, c);
                assertThat(there.exit()).as(String.join(" ", c)).isEqualTo(here.exit()).isNotZero();
                assertThat(there.err.toString()).as(String.join(" ", c)).isEqualTo(here.err.toString());
                assertThat(there.err.toString().lines()).as(String.join(" ", c)).hasSize(1);
                assertThat(there.out.toString()).doesNotContain("armed: sent");
            }
            assertThat(dst.control().call("query-status", null).path("status").asText()).isEqualTo("inmigrate");
            assertThat(dst.control().call("query-migrate-parameters", null).path("downtime-limit").asLong())
                    .isEqualTo(300);
        }
    }

    @Test
    void aDroppedConnectionMidAttachIsOneLineNamingTheHostTheReportSoFarAndNoFile() throws Exception {
        Path mig = dir.resolve("mig.sock");
        Path report = dir.resolve("out").resolve("report.json");
        Files.createDirectories(report.getParent());
        try (QemuProcess src = QemuProcess.start(dir, "src");
                QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "unix:" + mig)) {
            // Paused before the switch-over, the migration waits: the connection drops in the middle of it.
            src.enableCapabilities("pause-before-switchover", "events");
            LiveCli run = live(true, ssh, "attach", src.qmp().toString(), dst.qmp().toString(), "--until-done", "--report",
                    report.toString());
            run.awaitOut("attached: QEMU", 2);
            List<ProcessHandle> far = new ArrayList<>();
            sshd.sessionProcesses().forEach(p -> p.descendants().forEach(far::add));
            assertThat(far).anyMatch(p -> p.info().commandLine().orElse("").contains("dev.migscope.Main"));
            src.migrate(mig);
            run.awaitOut("-> pre-switchover", 1);
            sshd.sessionProcesses().forEach(ProcessHandle::destroyForcibly);

            assertThat(run.exit()).isEqualTo(ExitCode.FAILED);
            assertThat(run.err.toString().lines().filter(l -> l.startsWith("migscope attach: ")).toList())
                    .singleElement().asString().contains("the connection to " + sshd.host() + " was lost");
            assertThat(run.err.toString()).doesNotContain("Exception", "\tat ");
            assertThat(run.out.toString()).contains("src  migration  active -> pre-switchover")
                    .contains("\nQEMU src (").contains("  ended: the connection to " + sshd.host() + " was lost")
                    .contains("[partial report]").contains("  migration pre-switchover");
            try (Stream<Path> files = Files.list(report.getParent())) {
                assertThat(files).as("no report file, no temporary file").isEmpty();
            }
            for (ProcessHandle p : far) {
                assertThat(p.onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
            }
            // The agent detached and sent nothing: the migration still waits where it was.
            assertThat(src.control().call("query-migrate", null).path("status").asText()).isEqualTo("pre-switchover");
            assertThat(dst.control().call("query-status", null).path("status").asText()).isEqualTo("inmigrate");
        }
    }

    @Test
    void aSocketPathOrUriWithShellSyntaxIsRefusedBeforeSshRuns() throws Exception {
        Path ran = dir.resolve("ssh-ran");
        SshSettings recording = Sshd.recordingFailingSsh(dir, ran, ssh);

        for (String bad : List.of("/tmp/a;reboot", "$(touch x).qmp", "/tmp/`id`", "/tmp/'a'", "/tmp/\"a\"",
                "/tmp/a\nb", "-oProxyCommand=sh", "/tmp/a b", "/tmp/a|b", "/tmp/a&b", "/tmp/a>b", "~/vm.qmp")) {
            for (String[] c : new String[][] {{"attach", "--", bad}, {"attach", "/tmp/ok.qmp", "--", bad},
                {"attach", "/tmp/ok.qmp", "--migrate=" + bad}}) {
                LiveCli r = live(true, recording, c);
                assertThat(r.exit()).as(String.join(" ", c)).isEqualTo(ExitCode.USAGE);
                assertThat(r.err.toString().lines()).as(String.join(" ", c)).singleElement().asString()
                        .startsWith("migscope attach: " + sshd.host() + ": the ")
                        .contains("refused before anything is sent");
            }
        }
        assertThat(ran).doesNotExist();
    }
}
