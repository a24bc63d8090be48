package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.testsupport.QemuProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code migscope attach --tap} on real QEMU 10 processes (RAM only: the host has no VFIO device;
 * attachtap's AttachTapTest maps a VFIO section to a device): the migration goes through the tap,
 * the attach follows both QEMUs and the tap, and ends with the tap's verdict.
 */
class AttachTapCommandTest {

    private static final DeviceRegistry REGISTRY = DeviceRegistry.load(true);

    @TempDir
    Path dir;

    private static LiveCli live(String... args) {
        return new LiveCli(MigscopeCli.commandLine(sim -> REGISTRY, false), Duration.ofSeconds(120), args);
    }

    @Test
    void aMigrationToTheTapIsForwardedFollowedAndEndsWithTheTapsVerdict() throws Exception {
        Path mig = dir.resolve("mig.sock");
        Path tap = dir.resolve("tap.sock");
        try (QemuProcess src = QemuProcess.start(dir, "src");
                QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "unix:" + mig)) {
            LiveCli run = live("attach", src.qmp().toString(), dst.qmp().toString(), "--tap",
                    "unix:" + tap + "=unix:" + mig, "--migrate", "unix:" + tap, "--until-done", "--timeout", "2m");

            assertThat(run.exit()).as(run.err.toString()).isEqualTo(ExitCode.OK);
            String out = run.out.toString();
            assertThat(out).contains("  tap  listening on unix:" + tap + ", forwarding to unix:" + mig)
                    .contains("  tap  connection 1: main channel")
                    .contains("src  migration completed, total ")
                    .contains("  tap  completed: the destination got the whole stream");
            assertThat(dst.control().call("query-status", null).path("status").asText()).isEqualTo("running");
            assertThat(Files.exists(tap)).as("the tap removes its socket").isFalse();
        }
    }

    @Test
    void anAttachWithItsTapStoppedMidWayFailsBothQemusSaysSoAndLeavesNoSocketFile() throws Exception {
        Path mig = dir.resolve("mig.sock");
        Path tap = dir.resolve("tap.sock");
        try (QemuProcess src = QemuProcess.start(dir, "src");
                QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "unix:" + mig)) {
            TapCommandTest.slow(src);
            Path out = dir.resolve("attach.out");
            Process attach = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "dev.migscope.Main", "attach",
                    src.qmp().toString(), dst.qmp().toString(), "--tap", "unix:" + tap + "=unix:" + mig,
                    "--migrate", "unix:" + tap)
                    .redirectOutput(out.toFile()).redirectError(dir.resolve("attach.err").toFile()).start();
            try {
                TapCommandTest.awaitTransferred(src);
                attach.destroy(); // SIGTERM, as Ctrl-C's SIGINT
                assertThat(attach.waitFor(60, TimeUnit.SECONDS)).isTrue();
            } finally {
                attach.destroyForcibly();
            }
            assertThat(Files.readString(out)).as(Files.readString(dir.resolve("attach.err")))
                    .containsPattern("  tap  interrupted: closed both QEMUs' connections after [\\d,]+ bytes of "
                            + "the main channel; the migration fails on both");
            assertThat(TapCommandTest.awaitFinalStatus(src)).isEqualTo("failed");
            assertThat(dst.exitsWithin(QemuProcess.WAIT)).as("the destination's incoming migration fails").isTrue();
            assertThat(Files.exists(tap)).as("the tap removes its socket").isFalse();
        }
    }

    @Test
    void aTapWithHostOrNotTwoUrisIsAUsageError() throws Exception {
        LiveCli remote = live("--host", "nobody@host.invalid", "attach", "/run/vm.qmp", "--tap",
                "unix:/tmp/t.sock=unix:/tmp/d.sock");
        assertThat(remote.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(remote.err.toString().strip()).isEqualTo("migscope attach: --tap runs the tap here, with an "
                + "attach here: give it without --host (or run migscope tap on that host)");
        LiveCli one = live("attach", "/run/vm.qmp", "--tap", "unix:/tmp/t.sock");
        assertThat(one.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(one.err.toString()).contains("'unix:/tmp/t.sock' is not LISTEN=FORWARD");
    }
}
