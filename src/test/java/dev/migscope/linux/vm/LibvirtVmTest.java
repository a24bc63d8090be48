package dev.migscope.linux.vm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.Owner;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import dev.migscope.libvirt.LibvirtLink;
import dev.migscope.qemu.AttachedQemu;
import dev.migscope.qemu.QemuReport;
import dev.migscope.testsupport.Libvirtd;
import dev.migscope.testsupport.RigDevices;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A libvirt domain holding one of the rig's mtty mdevs as a {@code <hostdev type='mdev'>}, run by
 * Debian's libvirtd inside the guest (QEMU 10 through the shared root), followed by an attach
 * through libvirt while {@code virsh save} migrates it to a file: the same device states as the
 * QMP attach of {@link QemuMigrationVmTest} sees, from the VFIO_MIGRATION events libvirt forwards.
 */
@Tag("vm")
class LibvirtVmTest {

    /**
     * The guest's root is the host's, read-only: the directories a root libvirtd and virtlogd write
     * get a tmpfs each for this class (libvirtd makes its own subdirectories in them at start).
     */
    static final List<String> WRITTEN_BY_LIBVIRT = List.of("/var/lib/libvirt", "/var/log/libvirt",
            "/var/cache/libvirt");
    /**
     * qemu.conf for this class, bound over the host's: no private mount namespace for QEMU. libvirt
     * builds one with its own /dev when the kernel has mount namespaces; in the rig's guest QEMU
     * then could not open the mdev's group node ("Could not open '/dev/vfio/0'").
     */
    static final String QEMU_CONF = "namespaces = []\n";
    static final String QEMU_CONF_PATH = "/etc/libvirt/qemu.conf";
    static final String DOMAIN = "lvmtty";
    /** The hostdev's user alias: the <qemu:override> names it (libvirt's own hostdev0 would do as well). */
    static final String ALIAS = "ua-mtty0";

    @TempDir
    Path dir;

    @BeforeAll
    static void libvirtMayWrite() throws IOException, InterruptedException {
        for (String d : WRITTEN_BY_LIBVIRT) {
            run("mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", d);
        }
        Path conf = Path.of("/var/lib/libvirt/migscope-qemu.conf");
        Files.writeString(conf, QEMU_CONF);
        run("mount", "--bind", conf.toString(), QEMU_CONF_PATH);
    }

    @AfterAll
    static void leaveTheRigAsItWas() throws IOException, InterruptedException, VfioException {
        run("umount", QEMU_CONF_PATH);
        for (String d : WRITTEN_BY_LIBVIRT) {
            run("umount", d);
        }
        VmRig.resetAll();
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
    }

    /** The mdev as libvirt takes it, with the alias the override names. */
    static String mdevHostdev(String uuid) {
        return "    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>\n"
                + "      <source><address uuid='" + uuid + "'/></source>\n"
                + "      <alias name='" + ALIAS + "'/>\n"
                + "    </hostdev>\n";
    }

    /**
     * vfio-pci's properties libvirt does not set: migration-events (off by default, then QEMU sends
     * no VFIO_MIGRATION) and enable-migration, as QemuMigrationVmTest's -device has them.
     */
    static String override() {
        return "  <qemu:override>\n"
                + "    <qemu:device alias='" + ALIAS + "'>\n"
                + "      <qemu:frontend>\n"
                + "        <qemu:property name='migration-events' type='bool' value='true'/>\n"
                + "        <qemu:property name='enable-migration' type='string' value='on'/>\n"
                + "      </qemu:frontend>\n"
                + "    </qemu:device>\n"
                + "  </qemu:override>\n";
    }

    private static List<String> states(JsonNode qemu) {
        List<String> states = new ArrayList<>();
        qemu.path("devices").get(0).path("states").forEach(s -> states.add(s.path("state").asText()));
        return states;
    }

    /** The domain on the rig's first mtty, started, and an attach through libvirt that sees the mtty. */
    private static AttachedQemu startAndAttach(Libvirtd libvirtd, String mtty) throws Exception {
        try (DeviceSession s = VmRig.openFresh(mtty)) {
            assertThat(s.info().id()).isEqualTo(mtty);
        }
        libvirtd.create(DOMAIN, Libvirtd.domainXml(DOMAIN, 64, mdevHostdev(mtty), override()));
        DeviceRegistry registry = new DeviceRegistry(List.of(VmRig.BACKEND), List.of(), false);
        AttachedQemu q = AttachedQemu.attach(LibvirtLink.opener(libvirtd.uri(), DOMAIN),
                LibvirtLink.where(DOMAIN, libvirtd.uri()), Libvirtd.WAIT, registry,
                o -> System.out.println("  " + o.text()));
        assertThat(q.source()).isEqualTo("libvirt");
        assertThat(q.devices()).singleElement().satisfies(d -> {
            assertThat(d.device().deviceId()).isEqualTo(ALIAS);
            assertThat(d.device().hostDeviceId()).isEqualTo(mtty);
        });
        // migration-events is on through the override: no warning, no debugfs fallback.
        assertThat(q.warnings()).isEmpty();
        long pid = libvirtd.qemuPid(DOMAIN).orElseThrow();
        assertThat(q.process()).hasValueSatisfying(o -> assertThat(o.pid()).isEqualTo(pid));
        return q;
    }

    /** The packaged CLI, as a user runs it: its output; exit status 0 asserted. */
    private static String migscope(String... args) throws IOException, InterruptedException {
        Path jar = Path.of("target/migscope.jar").toAbsolutePath();
        assertThat(jar).as("the packaged CLI: build it with ./mvnw -B package").isRegularFile();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", jar.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(String.join(" ", args)).isTrue();
        assertThat(p.exitValue()).as("migscope " + String.join(" ", args) + ": " + out).isZero();
        System.out.println("migscope " + String.join(" ", args) + ":\n" + out);
        return out;
    }

    /**
     * The host's view of the domain: the mtty's row says which domain's QEMU holds it, and the
     * domain's listing maps its hostdev to that mtty, with migration-events on.
     */
    @Test
    void theHostsDeviceRowNamesTheDomainAndTheDomainListingMapsItsHostdev() throws Exception {
        String mtty = RigDevices.mtty().get(0);
        try (Libvirtd libvirtd = Libvirtd.start(dir); AttachedQemu q = startAndAttach(libvirtd, mtty)) {
            long pid = libvirtd.qemuPid(DOMAIN).orElseThrow();
            Owner holder = VmRig.BACKEND.list().stream().filter(d -> d.id().equals(mtty)).findFirst()
                    .orElseThrow().owner();
            assertThat(holder).isEqualTo(new Owner((int) pid, "qemu-system-x86_64", DOMAIN));
            assertThat(holder).hasToString("domain " + DOMAIN + " (libvirt, qemu pid " + pid + ")");
            assertThat(migscope("list")).containsPattern(mtty + " .* domain " + DOMAIN + " \\(libvirt, qemu pid "
                    + pid + "\\)");
            assertThat(migscope("list", "--libvirt", "--connect", libvirtd.uri()).lines())
                    .anySatisfy(l -> assertThat(l.split("\\s+")).containsExactly(DOMAIN, "running", ALIAS, "mdev",
                            mtty, "mtty", "on"));
        }
    }

    private static JsonNode reported(AttachedQemu q) {
        QemuReport report = QemuReport.of(List.of(q));
        System.out.println(report.text());
        JsonNode qemu = report.json().path("qemus").get(0);
        assertThat(qemu.path("source").asText()).isEqualTo("libvirt");
        assertThat(qemu.path("devices").get(0).path("states"))
                .allMatch(st -> st.path("seen_by").asText().equals("event"));
        return qemu;
    }

    /**
     * {@code virsh dump --live}: libvirt migrates the running domain's QEMU to a file without pausing
     * it first, then resumes it. The states are a live migration's, as the QMP attach of
     * QemuMigrationVmTest sees them, then the device runs again with the VM.
     */
    @Test
    void aLiveDumpIsFollowedThroughLibvirtWithALiveMigrationsDeviceStates() throws Exception {
        String mtty = RigDevices.mtty().get(0);
        try (Libvirtd libvirtd = Libvirtd.start(dir); AttachedQemu q = startAndAttach(libvirtd, mtty)) {
            Libvirtd.Result dump = libvirtd.virshResult("dump", "--live", DOMAIN, dir.resolve("lvmtty.core").toString());
            assertThat(dump.exit()).as("virsh dump --live: " + dump.output() + "\n" + libvirtd.log()).isZero();
            assertThat(q.outcome().get(QemuMigrationVmTest.OUTCOME_SECONDS, TimeUnit.SECONDS))
                    .isEqualTo(AttachedQemu.Outcome.COMPLETED);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(QemuMigrationVmTest.OUTCOME_SECONDS);
            while (q.devices().get(0).state() != MigState.RUNNING) {
                assertThat(System.nanoTime()).as("the mtty RUNNING again after libvirt resumes the domain")
                        .isLessThan(deadline);
                Thread.sleep(20);
            }
            // The resume is QEMU's VM start: STOP to RUNNING through RUNNING_P2P, as on a destination.
            assertThat(states(reported(q))).containsExactly("PRE_COPY", "PRE_COPY_P2P", "STOP_COPY", "STOP",
                    "RUNNING_P2P", "RUNNING");
            assertThat(q.warnings()).isEmpty();
        }
    }

    /**
     * {@code virsh save}: libvirt pauses the domain first (the VM's stop takes the device through
     * RUNNING_P2P to STOP), then migrates the stopped QEMU to the file (STOP_COPY, then STOP), and
     * the transient domain is gone, saved.
     */
    @Test
    void virshSaveOfADomainHoldingAnMttyIsFollowedThroughLibvirtWithTheDevicesStates() throws Exception {
        String mtty = RigDevices.mtty().get(0);
        try (Libvirtd libvirtd = Libvirtd.start(dir); AttachedQemu q = startAndAttach(libvirtd, mtty)) {
            Libvirtd.Result save = libvirtd.virshResult("save", DOMAIN, dir.resolve("lvmtty.img").toString());
            assertThat(save.exit()).as("virsh save: " + save.output() + "\n" + libvirtd.log()).isZero();
            assertThat(q.outcome().get(QemuMigrationVmTest.OUTCOME_SECONDS, TimeUnit.SECONDS))
                    .isEqualTo(AttachedQemu.Outcome.COMPLETED);
            assertThat(q.gone().get(QemuMigrationVmTest.OUTCOME_SECONDS, TimeUnit.SECONDS))
                    .startsWith("domain gone: saved");
            JsonNode qemu = reported(q);
            assertThat(states(qemu)).containsExactly("RUNNING_P2P", "STOP", "STOP_COPY", "STOP");
            assertThat(qemu.path("migrations").get(0).path("status").asText()).isEqualTo("completed");
            assertThat(q.warnings()).as("the poll that found the saved domain gone is no warning").isEmpty();
        }
    }
}
