package dev.migscope.testsupport;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A real libvirtd started by a test, without systemd: Debian's {@code virtlogd} and {@code libvirtd}
 * as child processes of the test, run as root (the qemu:///system driver), with their own sockets,
 * pid files and log in {@code dir}. libvirt fixes the rest for a root daemon at build time
 * ({@code /run/libvirt}, {@code /var/lib/libvirt}, {@code /var/log/libvirt}, virtlogd's socket),
 * so one such daemon runs on a machine at a time: a lock file serialises tests of several JVMs.
 * Domains are transient ({@code virsh create}: nothing is written under /etc/libvirt) and TCG
 * ({@code <domain type='qemu'>}: no /dev/kvm), and are destroyed when this closes.
 *
 * <p>A missing daemon or client fails the test, naming the packages to install.
 */
public final class Libvirtd implements AutoCloseable {

    public static final String PACKAGES = "libvirt-daemon-system libvirt-clients libvirt-daemon-driver-qemu";
    public static final Duration WAIT = Duration.ofSeconds(60);
    /** One root libvirtd per machine: its state directories are fixed. */
    static final Path LOCK = Path.of(System.getProperty("java.io.tmpdir"), "migscope-libvirtd.lock");
    static final Path RUN = Path.of("/run/libvirt");

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Set<String> domains = new LinkedHashSet<>();
    private final Set<String> defined = new LinkedHashSet<>();
    private Process virtlogd;
    private Process libvirtd;

    private Libvirtd(Path dir, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Starts virtlogd and libvirtd (waiting for another test's to stop first) and waits until virsh reaches it. */
    public static Libvirtd start(Path dir) throws IOException, InterruptedException {
        String libvirtdBinary = binary("libvirtd");
        String virtlogdBinary = binary("virtlogd");
        binary("virsh");
        if (!"root".equals(System.getProperty("user.name"))) {
            fail("libvirtd's qemu:///system driver runs as root; these tests run as " + System.getProperty("user.name"));
        }
        FileChannel channel = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        Libvirtd d = new Libvirtd(dir, channel, channel.lock());
        try {
            d.launch(libvirtdBinary, virtlogdBinary);
        } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
            d.close();
            throw e;
        }
        return d;
    }

    private void launch(String libvirtdBinary, String virtlogdBinary) throws IOException, InterruptedException {
        Files.createDirectories(RUN);
        Files.createDirectories(dir.resolve("sock"));
        Path conf = dir.resolve("libvirtd.conf");
        Files.writeString(conf, String.join("\n",
                "unix_sock_dir = \"" + dir.resolve("sock") + "\"",
                "unix_sock_group = \"root\"",
                "auth_unix_rw = \"none\"",
                "auth_unix_ro = \"none\"",
                "log_outputs = \"3:file:" + dir.resolve("libvirtd.log") + "\"",
                ""));
        // virtlogd's socket is /run/libvirt/virtlogd-sock for any root virtlogd: one left by a killed
        // run would be taken for a live daemon by nobody, and refused by the new one's bind.
        Files.deleteIfExists(RUN.resolve("virtlogd-sock"));
        Files.deleteIfExists(RUN.resolve("virtlogd-admin-sock"));
        virtlogd = new ProcessBuilder(virtlogdBinary, "-p", dir.resolve("virtlogd.pid").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("virtlogd.out").toFile()).start();
        awaitPath(RUN.resolve("virtlogd-sock"), virtlogd, "virtlogd", dir.resolve("virtlogd.out"));
        libvirtd = new ProcessBuilder(libvirtdBinary, "-f", conf.toString(), "-p", dir.resolve("libvirtd.pid").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("libvirtd.out").toFile()).start();
        awaitPath(socket(), libvirtd, "libvirtd", dir.resolve("libvirtd.log"));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Result r = virshResult("version");
            if (r.exit() == 0) {
                return;
            }
            if (!libvirtd.isAlive() || System.nanoTime() > deadline) {
                fail("libvirtd did not answer virsh version: " + r.output() + "\n" + log());
            }
            Thread.sleep(100);
        }
    }

    private void awaitPath(Path p, Process process, String name, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!Files.exists(p)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                fail(name + " did not start (" + (process.isAlive() ? "no " + p : "exit " + process.exitValue()) + "): "
                        + (Files.exists(log) ? Files.readString(log) : ""));
            }
            Thread.sleep(50);
        }
    }

    private static String binary(String name) {
        for (String d : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, name))) {
                return Path.of(d, name).toString();
            }
        }
        return fail(name + " not found: install " + PACKAGES + " (apt-get install " + PACKAGES + ")");
    }

    /** The daemon's read-write socket. */
    public Path socket() {
        return dir.resolve("sock").resolve("libvirt-sock");
    }

    /** The URI that reaches this daemon: qemu:///system, through its own socket. */
    public String uri() {
        return "qemu:///system?socket=" + socket();
    }

    /**
     * A TCG domain's XML: q35, {@code memoryMiB} of memory, no disk, no graphics (SeaBIOS idles);
     * {@code devices} are added inside {@code <devices>}, {@code qemuNamespace} (or "") after them
     * ({@code <qemu:override>}, {@code <qemu:commandline>}).
     */
    public static String domainXml(String name, int memoryMiB, String devices, String qemuNamespace) {
        return "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n"
                + "  <name>" + name + "</name>\n"
                + "  <memory unit='MiB'>" + memoryMiB + "</memory>\n"
                + "  <vcpu>1</vcpu>\n"
                + "  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n"
                // Without <acpi/> libvirt 9.0 passes -no-acpi, an option QEMU 9 removed.
                + "  <features><acpi/></features>\n"
                + "  <devices>\n"
                + "    <emulator>" + binary(QemuProcess.BINARY) + "</emulator>\n"
                + "    <controller type='usb' model='none'/>\n"
                + "    <memballoon model='none'/>\n"
                + devices
                + "  </devices>\n"
                + qemuNamespace
                + "</domain>\n";
    }

    /** Creates (starts) a transient domain from this XML; it is destroyed when this closes. */
    public String create(String name, String xml) throws IOException, InterruptedException {
        Path file = dir.resolve(name + ".xml");
        Files.writeString(file, xml);
        domains.add(name);
        virsh("create", file.toString());
        return name;
    }

    /**
     * Defines a persistent domain and starts it: after {@code virsh save} it stays (shut off), and so
     * does libvirt's completed job. Undefined when this closes.
     */
    public String defineAndStart(String name, String xml) throws IOException, InterruptedException {
        Path file = dir.resolve(name + ".xml");
        Files.writeString(file, xml);
        domains.add(name);
        defined.add(name);
        virsh("define", file.toString());
        virsh("start", name);
        return name;
    }

    /** A 64 MiB TCG domain with no device of note. */
    public String createTcg(String name) throws IOException, InterruptedException {
        return create(name, domainXml(name, 64, "", ""));
    }

    /** {@code virsh save}: libvirt migrates the domain's QEMU to a file; the transient domain is gone after. */
    public void save(String domain, Path image) throws IOException, InterruptedException {
        virsh("save", domain, image.toString());
    }

    /** {@code virsh destroy}: QEMU is killed, the transient domain goes. */
    public void destroy(String domain) throws IOException, InterruptedException {
        virsh("destroy", domain);
    }

    /** The domain's QEMU process, from libvirt's pid file; empty once it is gone. */
    public Optional<Long> qemuPid(String domain) throws IOException {
        Path pid = RUN.resolve("qemu").resolve(domain + ".pid");
        if (!Files.exists(pid)) {
            return Optional.empty();
        }
        String s = Files.readString(pid).strip();
        return s.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(s));
    }

    /** SIGKILL to libvirtd, as a crash or an OOM kill ends it; its domains' QEMUs keep running. */
    public void killDaemon() throws InterruptedException {
        libvirtd.destroyForcibly();
        libvirtd.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    public boolean daemonAlive() {
        return libvirtd != null && libvirtd.isAlive();
    }

    /** virsh against this daemon; fails the test on a non-zero exit; returns its output. */
    public String virsh(String... args) throws IOException, InterruptedException {
        Result r = virshResult(args);
        if (r.exit() != 0) {
            fail("virsh " + String.join(" ", args) + " failed (exit " + r.exit() + "): " + r.output());
        }
        return r.output();
    }

    public record Result(int exit, String output) {
    }

    public Result virshResult(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(binary("virsh"), "-q", "-c", uri()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("virsh " + String.join(" ", args) + " did not end within " + WAIT.toSeconds() + " s");
        }
        return new Result(p.exitValue(), out.strip());
    }

    /** libvirtd's error log, for a failure's message. */
    public String log() throws IOException {
        Path log = dir.resolve("libvirtd.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /**
     * Destroys the domains it created (their QEMUs killed by pid when libvirtd is no longer there to),
     * stops libvirtd and virtlogd, and lets the next test's daemon start.
     */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            for (String d : domains) {
                if (daemonAlive()) {
                    virshResult("destroy", d);
                    if (defined.contains(d)) {
                        virshResult("undefine", d);
                    }
                }
                Optional<Long> pid = qemuPid(d);
                if (pid.isPresent()) {
                    ProcessHandle.of(pid.get()).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            stop(libvirtd);
            stop(virtlogd);
        } finally {
            lock.release();
            lockChannel.close();
        }
    }

    private static void stop(Process p) throws InterruptedException {
        if (p == null) {
            return;
        }
        p.destroy();
        if (!p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }
}
