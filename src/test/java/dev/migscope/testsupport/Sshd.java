package dev.migscope.testsupport;

import dev.migscope.remote.SshSettings;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH server for tests: /usr/sbin/sshd on 127.0.0.1 and a free port, as the current
 * user, with a throwaway host key and user key in {@code dir}, and the client's known_hosts holding
 * that host key (host-key checking stays on). A missing sshd, ssh or ssh-keygen fails the test,
 * naming the package to install.
 */
public final class Sshd implements AutoCloseable {

    public static final String SSHD = "/usr/sbin/sshd";

    private final Path dir;
    private final int port;
    private final Process sshd;

    private Sshd(Path dir, int port, Process sshd) {
        this.dir = dir;
        this.port = port;
        this.sshd = sshd;
    }

    public static Sshd start(Path dir) throws IOException, InterruptedException {
        require(SSHD, "openssh-server");
        require("/usr/bin/ssh", "openssh-client");
        require("/usr/bin/ssh-keygen", "openssh-client");
        if ("root".equals(System.getProperty("user.name"))) {
            // sshd run by root wants its privilege separation directory, which the Debian service makes at start.
            Files.createDirectories(Path.of("/run/sshd"));
        }
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("host_key").toString());
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("user_key").toString());
        Files.copy(dir.resolve("user_key.pub"), dir.resolve("authorized_keys"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("known_hosts"), "[127.0.0.1]:" + port + " "
                + Files.readString(dir.resolve("host_key.pub")).strip() + "\n");
        Path config = dir.resolve("sshd_config");
        Files.writeString(config, String.join("\n",
                "ListenAddress 127.0.0.1",
                "Port " + port,
                "HostKey " + dir.resolve("host_key"),
                "PidFile " + dir.resolve("sshd.pid"),
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                "StrictModes no",
                "UsePAM no",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "LogLevel ERROR",
                ""));
        Process p = new ProcessBuilder(SSHD, "-f", config.toString(), "-D", "-e")
                .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
        Sshd d = new Sshd(dir, port, p);
        d.awaitListening();
        return d;
    }

    /** ssh options that reach this server with the throwaway keys: {@code MIGSCOPE_SSH_OPTS}'s words. */
    public List<String> clientOptions() {
        return List.of("-o", "UserKnownHostsFile=" + dir.resolve("known_hosts"), "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "IdentityFile=" + dir.resolve("user_key"), "-o", "IdentitiesOnly=yes", "-F", "/dev/null");
    }

    /** How the local migscope reaches this server's {@code migscope agent}: this build, through {@link #launcher}. */
    public SshSettings agentSettings() throws IOException {
        return new SshSettings("ssh", clientOptions(), List.of(launcher(dir).toString(), "agent"));
    }

    /**
     * {@code like}, its ssh replaced by a script that first touches {@code ran} (so a test sees
     * whether ssh ran at all), then fails as an unreachable host does (exit 255).
     */
    public static SshSettings recordingFailingSsh(Path dir, Path ran, SshSettings like) throws IOException {
        Path fakeSsh = dir.resolve("fake-ssh");
        Files.writeString(fakeSsh, "#!/bin/sh\ntouch '" + ran + "'\nexit 255\n");
        fakeSsh.toFile().setExecutable(true);
        return new SshSettings(fakeSsh.toString(), List.of(), like.remoteCommand());
    }

    /** {@code USER@127.0.0.1:PORT}. */
    public String host() {
        return System.getProperty("user.name") + "@127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /**
     * The sshd processes serving a connection (children of the listening one), for a test that
     * drops the connection by killing them.
     */
    public List<ProcessHandle> sessionProcesses() {
        List<ProcessHandle> children = new ArrayList<>();
        sshd.toHandle().children().forEach(children::add);
        return children;
    }

    public String log() throws IOException {
        return Files.readString(dir.resolve("sshd.log"));
    }

    /**
     * A far-side {@code migscope}: this JVM's java and class path running {@code dev.migscope.Main},
     * so the far side is this build without packaging it.
     */
    public static Path launcher(Path dir) throws IOException {
        Path script = dir.resolve("migscope");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(script, "#!/bin/sh\nexec '" + java + "' -Xshare:auto -XX:TieredStopAtLevel=1 -cp '"
                + System.getProperty("java.class.path") + "' dev.migscope.Main \"$@\"\n");
        script.toFile().setExecutable(true);
        return script;
    }

    @Override
    public void close() {
        sshd.toHandle().descendants().forEach(ProcessHandle::destroy);
        sshd.destroy();
        try {
            sshd.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitListening() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!sshd.isAlive()) {
                throw new IllegalStateException("sshd exited at start: " + log());
            }
            try (Socket s = new Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("sshd did not listen on 127.0.0.1:" + port + " within 10 s: " + log());
    }

    private static void require(String program, String debianPackage) {
        if (!Files.isExecutable(Path.of(program))) {
            throw new IllegalStateException(program + " is missing: install the Debian package " + debianPackage
                    + " (apt-get install " + debianPackage + "); the remote tests need a real ssh and sshd");
        }
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
