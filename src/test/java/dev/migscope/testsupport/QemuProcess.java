package dev.migscope.testsupport;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.json.Json;
import dev.migscope.qemu.QmpClient;
import dev.migscope.qemu.QmpEvent;
import dev.migscope.qemu.QmpException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real QEMU started by a test: a tiny TCG VM with no disk (SeaBIOS idles), two QMP sockets (one
 * for migscope, one the test drives the VM with, since a QMP socket serves one client). A missing
 * QEMU fails the test with the package that brings it.
 */
public final class QemuProcess implements AutoCloseable {

    public static final String BINARY = "qemu-system-x86_64";
    /** Generous: the machine is shared and TCG is slow to start. */
    public static final Duration WAIT = Duration.ofSeconds(60);
    /** The host's devices as attaching sees them on a host with no VFIO device (these tests' QEMUs have none). */
    public static final DeviceRegistry NO_HOST_DEVICES = new DeviceRegistry(List.of(), List.of(), false);

    private final Process process;
    private final Path qmp;
    private final Path controlSocket;
    private final BlockingQueue<QmpEvent> controlEvents = new LinkedBlockingQueue<>();
    private QmpClient control;

    private QemuProcess(Process process, Path qmp, Path controlSocket) {
        this.process = process;
        this.qmp = qmp;
        this.controlSocket = controlSocket;
    }

    /**
     * Which QEMU: the host's (QEMU 10 from bookworm-backports, on PATH), or bookworm's QEMU 7.2
     * unpacked by src/test/scripts/qemu-7.2.sh (an older stream writer), with what it needs to run.
     */
    public record Binary(String path, List<String> args, Map<String, String> env) {

        public static Binary host() {
            return new Binary(binary(), List.of(), Map.of());
        }

        /** bookworm's QEMU 7.2: its TCG is a module, its firmware comes from the host's packages. */
        public static Binary qemu72() throws IOException, InterruptedException {
            Process p = new ProcessBuilder("src/test/scripts/qemu-7.2.sh").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() != 0) {
                return fail("QEMU 7.2 is not available: " + out);
            }
            Path bin = Path.of(out);
            Path modules = bin.getParent().getParent().resolve("lib/x86_64-linux-gnu/qemu");
            return new Binary(bin.toString(), List.of("-L", "/usr/share/seabios", "-L", "/usr/share/qemu"),
                    Map.of("QEMU_MODULE_DIR", modules.toString()));
        }
    }

    /** Starts {@code qemu-system-x86_64 -machine q35 -m 64 -nodefaults -display none -accel tcg -name NAME ...}. */
    public static QemuProcess start(Path dir, String name, String... extra) throws IOException, InterruptedException {
        return start(Binary.host(), dir, name, extra);
    }

    /** {@link #start(Path, String, String...)} with another QEMU. */
    public static QemuProcess start(Binary qemu, Path dir, String name, String... extra)
            throws IOException, InterruptedException {
        Path qmp = dir.resolve(name + ".qmp");
        Path control = dir.resolve(name + "-control.qmp");
        List<String> cmd = new ArrayList<>(List.of(qemu.path()));
        cmd.addAll(qemu.args());
        cmd.addAll(List.of("-machine", "q35", "-m", "64", "-nodefaults",
                "-display", "none", "-accel", "tcg", "-name", name,
                "-qmp", "unix:" + qmp + ",server=on,wait=off", "-qmp", "unix:" + control + ",server=on,wait=off"));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().putAll(qemu.env());
        Process p = pb.start();
        // A destination is ready when its migration socket listens too: QEMU binds it after its QMP
        // sockets, and a migrate sent in between fails with "Failed to connect".
        List<Path> ready = new ArrayList<>(List.of(qmp, control));
        for (int i = 0; i + 1 < extra.length; i++) {
            if (extra[i].equals("-incoming") && extra[i + 1].startsWith("unix:")) {
                ready.add(Path.of(extra[i + 1].substring("unix:".length())));
            }
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!ready.stream().allMatch(Files::exists)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                fail(BINARY + " did not start (exit " + (p.isAlive() ? "none" : p.exitValue()) + "): "
                        + Files.readString(dir.resolve(name + ".log")));
            }
            Thread.sleep(50);
        }
        return new QemuProcess(p, qmp, control);
    }

    private static String binary() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, BINARY))) {
                return Path.of(d, BINARY).toString();
            }
        }
        return fail(BINARY + " not found on PATH: install QEMU 10 from bookworm-backports "
                + "(apt-get install -t bookworm-backports qemu-system-x86)");
    }

    /** The socket migscope attaches to. */
    public Path qmp() {
        return qmp;
    }

    /** The test's own QMP connection: what a user (or libvirt) does to the VM. */
    public synchronized QmpClient control() throws QmpException {
        if (control == null) {
            control = QmpClient.connect(controlSocket, WAIT, controlEvents::add);
        }
        return control;
    }

    /** Turns these migration capabilities on, as a user (or libvirt) does before {@code migrate}. */
    public void enableCapabilities(String... names) throws QmpException {
        ObjectNode args = Json.object();
        ArrayNode caps = args.putArray("capabilities");
        for (String name : names) {
            caps.addObject().put("capability", name).put("state", true);
        }
        control().call("migrate-set-capabilities", args);
    }

    /**
     * Migrates this VM to {@code uri} (file:PATH, exec:cat>PATH, unix:SOCKET) and waits until QEMU
     * says completed; a failed migration fails the test with QEMU's error-desc.
     */
    public void migrateAndWait(String uri) throws QmpException, InterruptedException {
        control().call("migrate", Json.object().put("uri", uri));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            com.fasterxml.jackson.databind.JsonNode info = control().call("query-migrate", Json.object());
            String status = info.path("status").asText();
            if (status.equals("completed")) {
                return;
            }
            if (status.equals("failed") || status.equals("cancelled")) {
                fail("migrate " + uri + ": " + status + ": " + info.path("error-desc").asText());
            }
            Thread.sleep(50);
        }
        fail("migrate " + uri + " did not complete within " + WAIT.toSeconds() + " s");
    }

    /** Starts migrating this VM to a destination listening on {@code -incoming unix:SOCKET}. */
    public void migrate(Path socket) throws QmpException {
        control().call("migrate", Json.object().put("uri", "unix:" + socket));
    }

    /** The next event on the control connection with this name; fails after {@link #WAIT}. */
    public QmpEvent awaitEvent(String name) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            QmpEvent e = controlEvents.poll(1, TimeUnit.SECONDS);
            if (e != null && e.name().equals(name)) {
                return e;
            }
        }
        return fail("no " + name + " event within " + WAIT.toSeconds() + " s");
    }

    public long pid() {
        return process.pid();
    }

    /** Whether QEMU exited on its own within {@code wait} (a destination whose incoming migration failed does). */
    public boolean exitsWithin(Duration wait) throws InterruptedException {
        return process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** What QEMU printed (its stdout and stderr, in DIR/NAME.log). */
    public String log(Path dir, String name) throws IOException {
        return Files.readString(dir.resolve(name + ".log"));
    }

    /** SIGKILL, as a crash or an OOM kill would end it. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (control != null) {
            control.close();
        }
        kill();
    }
}
