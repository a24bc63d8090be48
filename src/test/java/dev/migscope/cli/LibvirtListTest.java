package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.Owner;
import dev.migscope.libvirt.DomainSummary;
import dev.migscope.libvirt.DomainXml;
import dev.migscope.testsupport.Libvirtd;
import dev.migscope.testsupport.QemuProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code migscope list --libvirt}: a real libvirtd's running domains (TCG, no hostdev: this host
 * has no VFIO device for one), and the hostdev mapping over a live XML of libvirt's shape.
 */
class LibvirtListTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String MTTY = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001";

    @TempDir
    Path dir;

    private static CliHarness.Run run(String... args) {
        return CliHarness.run(sim -> QemuProcess.NO_HOST_DEVICES, args);
    }

    @Test
    void theRunningDomainsOfARealDaemonAreListedWithTheirState() throws Exception {
        try (Libvirtd libvirtd = Libvirtd.start(dir)) {
            CliHarness.Run none = run("list", "--libvirt", "--connect", libvirtd.uri());
            assertThat(none.code()).as(none.err()).isEqualTo(ExitCode.OK);
            assertThat(none.out()).isEqualTo("no running domains on " + libvirtd.uri() + "\n");

            libvirtd.createTcg("lvlist1");
            libvirtd.createTcg("lvlist2");
            libvirtd.virsh("suspend", "lvlist2");
            CliHarness.Run table = run("list", "--libvirt", "--connect", libvirtd.uri());
            assertThat(table.code()).as(table.err()).isEqualTo(ExitCode.OK);
            assertThat(table.out().lines().map(l -> List.of(l.split("\\s+")))).containsExactlyInAnyOrder(
                    List.of("DOMAIN", "STATE", "HOSTDEV", "KIND", "HOST", "DEVICE", "DRIVER", "MIGRATION-EVENTS"),
                    List.of("lvlist1", "running", "-", "-", "-", "-", "-"),
                    List.of("lvlist2", "paused", "-", "-", "-", "-", "-"));

            CliHarness.Run json = run("list", "--libvirt", "--connect", libvirtd.uri(), "--json");
            JsonNode a = MAPPER.readTree(json.out());
            assertThat(a).hasSize(2);
            JsonNode one = a.get(0).path("name").asText().equals("lvlist1") ? a.get(0) : a.get(1);
            assertThat(one.path("state").asText()).isEqualTo("running");
            assertThat(one.path("uuid").asText()).isEqualTo(libvirtd.virsh("domuuid", "lvlist1"));
            assertThat(one.path("hostdevs")).isEmpty();
        }
    }

    @Test
    void noDaemonIsOneLineAndNoDevice() {
        CliHarness.Run r = run("list", "--libvirt", "--connect", "qemu:///system?socket=" + dir.resolve("nosock"));

        assertThat(r.code()).isEqualTo(ExitCode.NO_DEVICE);
        assertThat(r.errLines()).singleElement().asString().startsWith("migscope list: virConnectOpen qemu:///system")
                .contains("is libvirtd running");
    }

    @Test
    void connectWithoutLibvirtIsAUsageError() {
        CliHarness.Run r = run("list", "--connect", "qemu:///system");

        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.errLines()).singleElement().asString().contains("--connect is libvirt's URI");
    }

    /** The live XML libvirt 9.0 gives of a running domain with an mdev and a PCI hostdev (aliases, addresses). */
    static final String LIVE_XML = "<domain type='qemu' id='7' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
            + "<name>vm1</name><uuid>0b9d5d16-2c3e-4b59-a4b7-4a8d4e1f2c3a</uuid>"
            + "<memory unit='KiB'>65536</memory><devices><emulator>/usr/bin/qemu-system-x86_64</emulator>"
            + "<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci' display='off'>"
            + "<source><address uuid='" + MTTY + "'/></source><alias name='ua-mtty0'/>"
            + "<address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></hostdev>"
            + "<hostdev mode='subsystem' type='pci' managed='yes'><driver name='vfio'/>"
            + "<source><address domain='0x0000' bus='0x3b' slot='0x00' function='0x1'/></source>"
            + "<alias name='hostdev0'/><address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>"
            + "</hostdev></devices><qemu:override><qemu:device alias='ua-mtty0'><qemu:frontend>"
            + "<qemu:property name='migration-events' type='bool' value='true'/></qemu:frontend></qemu:device>"
            + "</qemu:override></domain>";

    @Test
    void eachHostdevIsMappedToTheHostDeviceItNames() throws Exception {
        DomainXml x = DomainXml.parse(LIVE_XML);
        DeviceInfo mtty = new DeviceInfo(MTTY, DeviceKind.MDEV, "mtty", null, "mtty-2", null, null, 12,
                "/dev/vfio/devices/vfio0", new Owner(4242, "qemu-system-x86_64", "vm1"), null, null, null);
        StringWriter s = new StringWriter();
        PrintWriter out = new PrintWriter(s);

        int code = LibvirtListing.print(out, "qemu:///system",
                List.of(new DomainSummary(x.name(), x.uuid(), "running", x.hostdevs())), List.of(mtty), false);

        assertThat(code).isEqualTo(ExitCode.OK);
        assertThat(s.toString().lines().map(l -> List.of(l.split("\\s{2,}")))).containsExactly(
                List.of("DOMAIN", "STATE", "HOSTDEV", "KIND", "HOST DEVICE", "DRIVER", "MIGRATION-EVENTS"),
                List.of("vm1", "running", "ua-mtty0", "mdev", MTTY, "mtty", "on"),
                List.of("vm1", "running", "hostdev0", "pci", "0000:3b:00.1", "(not listed on this host)", "off"),
                List.of("note: migration-events is off for vm1 hostdev0: QEMU sends no VFIO_MIGRATION event for it; "
                        + "migscope attach --libvirt prints the <qemu:override> that turns it on"));

        StringWriter j = new StringWriter();
        LibvirtListing.print(new PrintWriter(j), "qemu:///system",
                List.of(new DomainSummary(x.name(), x.uuid(), "running", x.hostdevs())), List.of(mtty), true);
        JsonNode hostdevs = MAPPER.readTree(j.toString()).get(0).path("hostdevs");
        assertThat(hostdevs.get(0).path("host_device").asText()).isEqualTo(MTTY);
        assertThat(hostdevs.get(0).path("driver").asText()).isEqualTo("mtty");
        assertThat(hostdevs.get(0).path("listed").asBoolean()).isTrue();
        assertThat(hostdevs.get(0).path("migration_events").asBoolean()).isTrue();
        assertThat(hostdevs.get(1).path("listed").asBoolean()).isFalse();
        assertThat(hostdevs.get(1).has("driver")).isFalse();
    }
}
