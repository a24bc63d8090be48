package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.remote.SshSettings;
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

    /** Times differ from run to run; everything else must not. */
    private static String normalized(String s) {
        return s.replaceAll("\\d+\\.\\d+ ?(ms|µs|us|s)", "T$1").replaceAll("\"(nanos|t|micros|millis)\":[0-9.]+",
                "\"$1\":T");
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
        assertThat(there.out().lines().filter(l -> l.startsWith("PASS") || l.startsWith("FAIL")).toList())
                .isEqualTo(here.out().lines().filter(l -> l.startsWith("PASS") || l.startsWith("FAIL")).toList());
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

    @Test
    void anotherProtocolVersionOrNoMigscopeThereIsOneLineNamingHostVersionsAndFix() throws Exception {
        Path old = dir.resolve("old-migscope");
        Files.writeString(old, "#!/bin/sh\necho '{\"type\":\"hello\",\"protocol\":99,\"migscope\":\"9.9\"}'\n");
        old.toFile().setExecutable(true);

        CliHarness.Run r = remote(settings(old + " agent"), "list");
        assertThat(r.code()).isEqualTo(ExitCode.NO_DEVICE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains(sshd.host(), "migscope 9.9", "protocol 99", "protocol 1",
                VersionProvider.version(), "install migscope " + VersionProvider.version() + " on 127.0.0.1");

        r = remote(settings(dir.resolve("nowhere/migscope") + " agent"), "list");
        assertThat(r.code()).isEqualTo(ExitCode.NO_DEVICE);
        assertThat(r.err().lines().filter(l -> l.startsWith("migscope list: ")).toList()).singleElement()
                .asString().contains(sshd.host(), "migscope is not installed there", "protocol 1", "install migscope");
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
        Path fakeSsh = dir.resolve("fake-ssh");
        Files.writeString(fakeSsh, "#!/bin/sh\ntouch '" + ran + "'\nexit 255\n");
        fakeSsh.toFile().setExecutable(true);
        SshSettings recording = new SshSettings(fakeSsh.toString(), List.of(), ssh.remoteCommand());

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
