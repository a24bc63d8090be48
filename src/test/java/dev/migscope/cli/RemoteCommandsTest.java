package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.remote.SshSettings;
import dev.migscope.protocol.Protocol;
import dev.migscope.device.MigrationFile;
import dev.migscope.testsupport.Sshd;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --host} against a real sshd on 127.0.0.1 (Debian's openssh-server), the far side's
 * {@code migscope agent} being this build on simulated devices: each command prints what it
 * prints locally, a dropped connection is reported and ends the agent, a foreign protocol and a
 * missing migscope are one line each, and shell syntax in an id never leaves this host.
 */
class RemoteCommandsTest {

    @TempDir
    static Path dir;

    private static Sshd sshd;
    private static SshSettings ssh;

    @BeforeAll
    static void startSshd() throws Exception {
        sshd = Sshd.start(dir);
        ssh = settings(Sshd.launcher(dir) + " agent");
    }

    @AfterAll
    static void stopSshd() {
        if (sshd != null) {
            sshd.close();
        }
    }

    private static SshSettings settings(String remoteCommand) {
        return new SshSettings("ssh", sshd.clientOptions(), List.of(remoteCommand.split(" ")));
    }

    private static CliHarness.Run local(String... args) {
        return CliHarness.run(DeviceRegistry::load, args);
    }

    private static CliHarness.Run remote(SshSettings s, String... args) {
        List<String> a = new ArrayList<>(List.of("--host", sshd.host()));
        a.addAll(List.of(args));
        return CliHarness.run(sim -> {
            throw new AssertionError("--host must not list this host's devices");
        }, s, a.toArray(String[]::new));
    }

    /** Times and a process's fd numbers differ from run to run; everything else must not. */
    static String normalized(String s) {
        return s.replaceAll("\\d+\\.\\d+ ?(ms|µs|us|s)", "T$1").replaceAll("\"(nanos|t|micros|millis)\":[0-9.]+",
                "\"$1\":T").replaceAll("(data_fd\"?[=:])\\d+", "$1N");
    }

    /** A conformance report's verdict lines ({@code "  PASS  id  title"}, ReportText). */
    static List<String> verdicts(String report) {
        return report.lines().filter(l -> l.matches("  (PASS|FAIL|WARN) .*")).toList();
    }

    @Test
    void everyDeviceCommandPrintsWhatItPrintsLocally() {
        String[][] commands = {
            {"--sim", "list"}, {"--sim", "list", "--json"}, {"--sim", "show", "sim:mlx5-0"},
            {"--sim", "show", "sim:hisi-0", "--json"}, {"--sim", "state", "sim:pds-0"},
            {"--sim", "set", "sim:mlx5-0", "STOP_COPY", "RUNNING"}, {"--sim", "set", "sim:stopcopy-0", "PRE_COPY"},
            {"--sim", "reset", "sim:mlx5-1"}, {"--sim", "show", "sim:nosuch"},
        };
        for (String[] c : commands) {
            CliHarness.Run here = local(c);
            CliHarness.Run there = remote(ssh, c);
            assertThat(there.code()).as(String.join(" ", c)).isEqualTo(here.code());
            assertThat(normalized(there.out())).as(String.join(" ", c)).isEqualTo(normalized(here.out()));
            assertThat(there.err()).as(String.join(" ", c)).isEqualTo(here.err());
        }
    }

    @Test
    void theDemoRunsOnASimulatedDeviceThereAsItDoesHere() {
        CliHarness.Run there = remote(ssh, "--sim", "demo", "--device", "sim:hisi-0");
        assertThat(there.code()).as(there.err()).isEqualTo(ExitCode.OK);
        assertThat(there.out()).contains("ok    converging migration", "ok    non-converging migration",
                "ok    fault into ERROR and reset").doesNotContain("FAIL");
    }

    @Test
    void watchAndConformRunOnTheHostAndPrintLikeLocally() {
        CliHarness.Run here = local("--sim", "watch", "sim:stopcopy-0", "--count", "3", "--interval", "100");
        CliHarness.Run there = remote(ssh, "--sim", "watch", "sim:stopcopy-0", "--count", "3", "--interval", "100");
        assertThat(there.code()).isEqualTo(ExitCode.OK);
        assertThat(there.out().lines().count()).isEqualTo(here.out().lines().count()).isEqualTo(5);
        assertThat(there.out().lines().limit(2).toList()).isEqualTo(here.out().lines().limit(2).toList());
        assertThat(there.out().lines().skip(2)).allSatisfy(l -> assertThat(l).contains("RUNNING"));

        here = local("--sim", "conform", "sim:stopcopy-0", "--repeats", "1");
        there = remote(ssh, "--sim", "conform", "sim:stopcopy-0", "--repeats", "1");
        assertThat(there.code()).isEqualTo(here.code()).isEqualTo(ExitCode.OK);
        assertThat(verdicts(there.out())).isNotEmpty().isEqualTo(verdicts(here.out()));
        assertThat(there.err()).isEmpty();
    }

    @Test
    void aDroppedConnectionMidWatchIsReportedAndTheAgentExits() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = MigscopeCli.commandLine(sim -> null, false, ssh);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        CompletableFuture<Integer> watch = CompletableFuture.supplyAsync(
                () -> cl.execute("--host", sshd.host(), "--sim", "watch", "sim:mlx5-0", "--interval", "100"));
        List<ProcessHandle> far = awaitAgent();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (out.toString().lines().filter(l -> l.contains("RUNNING")).count() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        sshd.sessionProcesses().forEach(ProcessHandle::destroyForcibly);

        assertThat(watch.get(30, TimeUnit.SECONDS)).isEqualTo(ExitCode.FAILED);
        assertThat(out.toString()).contains("RUNNING");
        assertThat(err.toString()).contains("sim:mlx5-0: the connection to " + sshd.host() + " was lost",
                "last known state RUNNING", "watching stopped").doesNotContain("Exception", "\tat ");
        for (ProcessHandle p : far) {
            assertThat(p.onExit().get(20, TimeUnit.SECONDS).isAlive()).isFalse();
        }
    }

    /** A save's file name, and its byte counts: a simulated device dirties with wall time. */
    static String streamed(String s, Path file) {
        return normalized(s.replace(file.toString(), "FILE")).replaceAll("\\d+ B\\b", "N B")
                .replaceAll("\\(\\d+(\\.\\d+)? [KMG]?i?B\\)", "(N)");
    }

    @Test
    void saveOverHostWritesTheLocalSavesFileAndResumeTakesItIntoAnotherDevice() throws Exception {
        Path here = dir.resolve("here.mig");
        Path there = dir.resolve("there.mig");
        CliHarness.Run saveHere = local("--sim", "save", "sim:mlx5-0", here.toString());
        CliHarness.Run saveThere = remote(ssh, "--sim", "save", "sim:mlx5-0", there.toString());
        assertThat(saveThere.code()).isEqualTo(saveHere.code()).isEqualTo(ExitCode.OK);
        assertThat(streamed(saveThere.out(), there)).isEqualTo(streamed(saveHere.out(), here));
        assertThat(saveThere.err()).isEqualTo(saveHere.err());
        assertSameStream(there, here);

        CliHarness.Run resumeHere = local("--sim", "resume", "sim:mlx5-1", here.toString());
        CliHarness.Run resumeThere = remote(ssh, "--sim", "resume", "sim:mlx5-1", there.toString());
        assertThat(resumeThere.code()).isEqualTo(resumeHere.code()).isEqualTo(ExitCode.OK);
        assertThat(streamed(resumeThere.out(), there)).isEqualTo(streamed(resumeHere.out(), here))
                .contains("RESUMING -> STOP", "device is RUNNING");

        // A file that fails verification here is refused before ssh is asked for anything.
        Path cut = dir.resolve("cut.mig");
        Files.write(cut, java.util.Arrays.copyOf(Files.readAllBytes(there), (int) Files.size(there) - 1));
        Path ran = dir.resolve("ssh-ran-resume");
        Path fakeSsh = dir.resolve("recording-ssh");
        Files.writeString(fakeSsh, "#!/bin/sh\ntouch '" + ran + "'\nexec ssh \"$@\"\n");
        fakeSsh.toFile().setExecutable(true);
        SshSettings recording = new SshSettings(fakeSsh.toString(), sshd.clientOptions(), ssh.remoteCommand());
        CliHarness.Run refusedHere = local("--sim", "resume", "sim:mlx5-1", cut.toString());
        CliHarness.Run refusedThere = remote(recording, "--sim", "resume", "sim:mlx5-1", cut.toString());
        assertThat(refusedThere.code()).isEqualTo(refusedHere.code()).isEqualTo(ExitCode.FILE);
        assertThat(refusedThere.err()).isEqualTo(refusedHere.err()).contains("truncated", "not touched");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
        }
    }

    /**
     * Both files are stream files of the same device in the same format and layout (a simulated device
     * dirties with wall time, so two saves differ in length; the chunks' CRC32C and the SHA-256 over the
     * whole file make the transfer itself verbatim).
     */
    static void assertSameStream(Path a, Path b) throws Exception {
        MigrationFile.Verified va = MigrationFile.verify(a);
        MigrationFile.Verified vb = MigrationFile.verify(b);
        assertThat(va.source()).isEqualTo(vb.source());
        assertThat(va.phases()).extracting(MigrationFile.Phase::state)
                .isEqualTo(vb.phases().stream().map(MigrationFile.Phase::state).toList());
        assertThat(va.dataOffset()).isEqualTo(vb.dataOffset());
    }

    @Test
    void aDroppedConnectionMidSaveLeavesNoFileAndSaysTheLastKnownState() throws Exception {
        Path target = dir.resolve("dropped.mig");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = MigscopeCli.commandLine(sim -> null, false, ssh);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<Path> before = agentScratchDirs();
        // The non-converging device pre-copies until --precopy-max: the save is still running when ssh dies.
        CompletableFuture<Integer> save = CompletableFuture.supplyAsync(() -> cl.execute("--host", sshd.host(),
                "--sim", "save", "sim:nonconv-0", target.toString(), "--precopy-max", "60s"));
        List<ProcessHandle> far = awaitAgent();
        Path scratch = awaitScratchFile(before);
        sshd.sessionProcesses().forEach(ProcessHandle::destroyForcibly);

        assertThat(save.get(30, TimeUnit.SECONDS)).isEqualTo(ExitCode.FAILED);
        assertThat(target).doesNotExist();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".dropped.mig"));
        }
        assertThat(err.toString().lines().filter(l -> l.startsWith("migscope save: ")).toList()).singleElement()
                .asString().contains("the connection to " + sshd.host() + " was lost",
                        "the save did not finish and no file was kept", "last known state PRE_COPY")
                .doesNotContain("Exception");
        for (ProcessHandle p : far) {
            assertThat(p.onExit().get(20, TimeUnit.SECONDS).isAlive()).isFalse();
        }
        assertThat(scratch.getParent()).as("the far side's scratch file").doesNotExist();
    }

    /** The far agents' scratch directories (this test's sshd runs them as this user, on this machine). */
    private static List<Path> agentScratchDirs() throws Exception {
        try (var dirs = Files.newDirectoryStream(Path.of(System.getProperty("java.io.tmpdir")), "migscope-agent-*")) {
            List<Path> all = new ArrayList<>();
            dirs.forEach(all::add);
            return all;
        }
    }

    /** The far save's scratch file once it holds pre-copy data (more than its header): PRE_COPY is under way. */
    private static Path awaitScratchFile(List<Path> before) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            for (Path d : agentScratchDirs()) {
                if (!before.contains(d)) {
                    try (var files = Files.list(d)) {
                        var started = files.filter(f -> f.toFile().length() > (1 << 20)).findFirst();
                        if (started.isPresent()) {
                            return started.get();
                        }
                    } catch (java.io.IOException e) {
                        // the directory went meanwhile
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the far side's save did not start within 60 s");
    }

    @Test
    void anotherProtocolVersionOrNoMigscopeThereIsOneLineNamingHostVersionsAndFix() throws Exception {
        Path old = dir.resolve("old-migscope");
        Files.writeString(old, "#!/bin/sh\necho '{\"type\":\"hello\",\"protocol\":99,\"migscope\":\"9.9\"}'\n");
        old.toFile().setExecutable(true);

        CliHarness.Run r = remote(settings(old + " agent"), "list");
        assertThat(r.code()).isEqualTo(ExitCode.NO_DEVICE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains(sshd.host(), "migscope 9.9", "protocol 99", "protocol " + Protocol.VERSION,
                VersionProvider.version(), "install migscope " + VersionProvider.version() + " on 127.0.0.1");

        r = remote(settings(dir.resolve("nowhere/migscope") + " agent"), "list");
        assertThat(r.code()).isEqualTo(ExitCode.NO_DEVICE);
        assertThat(r.err().lines().filter(l -> l.startsWith("migscope list: ")).toList()).singleElement()
                .asString().contains(sshd.host(), "migscope is not installed there", "protocol " + Protocol.VERSION,
                        "install migscope");
    }

    @Test
    void sshsOwnMessageIsPassedThroughWhenItCannotConnect() throws Exception {
        Files.writeString(dir.resolve("empty_known_hosts"), "");
        List<String> opts = new ArrayList<>(sshd.clientOptions());
        opts.set(1, "UserKnownHostsFile=" + dir.resolve("empty_known_hosts"));
        CliHarness.Run r = remote(new SshSettings("ssh", opts, ssh.remoteCommand()), "list");

        assertThat(r.code()).isEqualTo(ExitCode.NO_DEVICE);
        assertThat(r.err()).contains("Host key verification failed.")
                .contains("ssh could not connect (exit 255)").doesNotContain("Exception");
    }

    @Test
    void anIdWithShellSyntaxIsRefusedBeforeSshRuns() throws Exception {
        Path ran = dir.resolve("ssh-ran");
        SshSettings recording = Sshd.recordingFailingSsh(dir, ran, ssh);

        for (String id : List.of("sim:a;reboot", "$(touch x)", "`id`", "sim:'a'", "sim:\"a\"", "sim:a\nb",
                "-oProxyCommand=sh", "sim:a b", "sim:a|b", "sim:a&b", "sim:a>b")) {
            for (String[] c : new String[][] {{"state", "--", id}, {"set", "--", id, "STOP"}, {"show", "--", id},
                {"conform", "sim:mlx5-0", "--peer=" + id}}) {
                CliHarness.Run r = remote(recording, c);
                assertThat(r.code()).as(String.join(" ", c)).isEqualTo(ExitCode.USAGE);
                assertThat(r.errLines()).as(String.join(" ", c)).hasSize(1);
                assertThat(r.err()).contains("refused before anything is sent");
            }
        }
        assertThat(ran).doesNotExist();
    }

    /** The far side's processes once the agent has started (the sshd session and its children). */
    private static List<ProcessHandle> awaitAgent() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            List<ProcessHandle> far = new ArrayList<>();
            sshd.sessionProcesses().forEach(p -> p.descendants().forEach(far::add));
            if (far.stream().anyMatch(p -> p.info().commandLine().orElse("").contains("dev.migscope.Main"))) {
                return far;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the far side's agent did not start within 30 s");
    }
}
