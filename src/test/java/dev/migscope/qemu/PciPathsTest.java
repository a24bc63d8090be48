package dev.migscope.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.stream.QemuStreamFile;
import dev.migscope.stream.Section;
import dev.migscope.testsupport.FakeQmpServer;
import dev.migscope.testsupport.QemuProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device's guest PCI path from query-pci: a real QEMU 10's, checked against the names QEMU gives
 * the same devices' sections in its own migration stream; a scripted QEMU's vfio-pci device behind
 * a bridge, and a query-pci against QAPI.
 */
class PciPathsTest {

    @TempDir
    Path dir;

    private final List<Observation> seen = new CopyOnWriteArrayList<>();

    @Test
    void aRealQemusPathsAreTheNamesItsMigrationStreamGivesTheSameDevices() throws Exception {
        Path file = dir.resolve("vm.qemu");
        try (QemuProcess q = QemuProcess.start(dir, "vm",
                "-device", "virtio-rng-pci,id=rng0,addr=0x4",
                "-device", "pcie-root-port,id=rp1,bus=pcie.0,addr=0x5,chassis=1",
                "-device", "virtio-rng-pci,id=rng9,bus=rp1")) {
            // query-pci lists a bridge's devices once the guest's firmware numbered its bus.
            Map<String, String> paths = PciPaths.read(q.control());
            long deadline = System.nanoTime() + QemuProcess.WAIT.toNanos();
            while (!paths.containsKey("rng9") && System.nanoTime() < deadline) {
                Thread.sleep(50);
                paths = PciPaths.read(q.control());
            }
            assertThat(paths).containsEntry("rng0", "0000:00:04.0").containsEntry("rp1", "0000:00:05.0")
                    .containsEntry("rng9", "0000:00:05.0:00.0");
            q.migrateAndWait("file:" + file);
        }
        List<String> names = QemuStreamFile.read(file, null).summary().sections().stream().map(Section::name)
                .toList();
        assertThat(names).contains("0000:00:04.0/virtio-rng", "0000:00:05.0:00.0/virtio-rng");
    }

    private FakeQmpServer qemu(String queryPci) throws Exception {
        FakeQmpServer f = FakeQmpServer.start(dir.resolve("qmp"), FakeQmpServer.greeting(10, 0, 2))
                .reply("qmp_capabilities", "{}").reply("query-name", "{\"name\": \"vm1\"}")
                .reply("query-status", "{\"status\": \"running\", \"running\": true}")
                .reply("query-migrate-parameters", "{\"downtime-limit\": 300}")
                .reply("query-migrate-capabilities", "[{\"capability\": \"events\", \"state\": true}]")
                .reply("query-migrate", "{\"status\": \"none\"}")
                .reply("qom-list", a -> a.path("path").asText().equals("/machine/peripheral")
                        ? "[{\"name\": \"mtty0\", \"type\": \"child<vfio-pci>\"}]" : "[]")
                .reply("qom-get", a -> switch (a.path("property").asText()) {
                    case "sysfsdev" -> "\"/sys/bus/mdev/devices/83b8f4f2-509f-382f-3c1e-e6bfe0fa1001\"";
                    case "host" -> "\"0000:00:00.0\"";
                    default -> "true";
                });
        return queryPci == null ? f : f.reply("query-pci", queryPci);
    }

    private AttachedQemu attach() throws QmpException {
        return AttachedQemu.attach(dir.resolve("qmp"), QemuProcess.WAIT, QemuProcess.NO_HOST_DEVICES, seen::add);
    }

    @Test
    void aVfioDeviceBehindABridgeGetsThePathOfEachHop() throws Exception {
        String pci = "[{\"bus\": 0, \"devices\": [{\"bus\": 0, \"slot\": 28, \"function\": 0, \"qdev_id\": \"rp0\","
                + " \"pci_bridge\": {\"bus\": {\"number\": 1}, \"devices\": [{\"bus\": 1, \"slot\": 0, \"function\": 0,"
                + " \"qdev_id\": \"mtty0\"}]}}]}]";
        try (FakeQmpServer f = qemu(pci); AttachedQemu q = attach()) {
            assertThat(q.devices()).extracting(ObservedDevice::pciPath).containsExactly("0000:00:1c.0:00.0");
        }
    }

    @Test
    void aQueryPciAgainstQapiMapsNothingAndSaysSoWhileTheAttachGoesOn() throws Exception {
        String pci = "[{\"bus\": 0, \"devices\": [{\"bus\": 0, \"slot\": 40, \"function\": 0, \"qdev_id\": \"mtty0\"}]}]";
        try (FakeQmpServer f = qemu(pci); AttachedQemu q = attach()) {
            assertThat(q.devices()).extracting(ObservedDevice::pciPath).containsExactly("");
            assertThat(seen).filteredOn(o -> o.kind() == Observation.Kind.WARNING).extracting(Observation::text)
                    .anySatisfy(t -> assertThat(t).startsWith("the devices' guest PCI paths are unknown (a tap "
                            + "cannot name them): query-pci's reply: [0].devices.[0].slot is 40; QAPI's PCI slot is 0 "
                            + "to 31"));
        }
    }

    @Test
    void aQemuWithoutQueryPciMapsNothingWithoutAWarning() throws Exception {
        try (FakeQmpServer f = qemu(null); AttachedQemu q = attach()) {
            assertThat(q.devices()).extracting(ObservedDevice::pciPath).containsExactly("");
            assertThat(seen).noneMatch(o -> o.text().contains("PCI path"));
        }
    }

    @Test
    void endlessBridgeNestingIsRefusedAtTheBound() throws Exception {
        String inner = "{\"bus\": 1, \"slot\": 0, \"function\": 0, \"qdev_id\": \"mtty0\"}";
        for (int i = 0; i < PciPaths.MAX_DEPTH + 1; i++) {
            inner = "{\"bus\": 1, \"slot\": 0, \"function\": 0, \"pci_bridge\": {\"devices\": [" + inner + "]}}";
        }
        try (FakeQmpServer f = qemu("[{\"bus\": 0, \"devices\": [" + inner + "]}]"); AttachedQemu q = attach()) {
            assertThat(q.devices()).extracting(ObservedDevice::pciPath).containsExactly("");
            assertThat(seen).extracting(Observation::text)
                    .anySatisfy(t -> assertThat(t).contains("nests bridges deeper than " + PciPaths.MAX_DEPTH));
        }
    }
}
