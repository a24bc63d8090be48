package dev.migscope.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.Errno;
import dev.migscope.device.Owner;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeature;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery over fake sysfs, /dev, /proc and debugfs trees. */
class LinuxBackendDiscoveryTest {

    static final String UUID_1 = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001";

    @TempDir
    Path tmp;
    FakeHost host;

    @BeforeEach
    void setUp() {
        host = new FakeHost(tmp);
        FakeHost.write(host.pciIds, """
                # comment
                1234  Technical Corp.
                \t11e8  QEMU edu device
                15b3  Mellanox Technologies
                \t101e  ConnectX Family mlx5Gen Virtual Function
                \t\t15b3 0001  a subsystem line, ignored
                C 02  Network controller
                \t00  Ethernet controller
                """);
    }

    private Map<String, DeviceInfo> list() {
        return list(p -> true);
    }

    private Map<String, DeviceInfo> list(java.util.function.Predicate<Path> readWrite) {
        return new LinuxBackend(host.roots(), readWrite).list().stream()
                .collect(Collectors.toMap(DeviceInfo::id, Function.identity()));
    }

    @Test
    void pciUnderVfioPciInANoIommuGroup() {
        Path d = host.pci("0000:00:04.0", "vfio-pci", "0x1234", "0x11e8");
        host.group(d, 3, true);
        host.cdev(d, 0, false); // no-IOMMU devices get a vfio-dev entry but no cdev node

        DeviceInfo info = list().get("0000:00:04.0");

        assertThat(info.kind()).isEqualTo(DeviceKind.PCI);
        assertThat(info.driver()).isEqualTo("vfio-pci");
        assertThat(info.vendorId()).isEqualTo("0x1234");
        assertThat(info.deviceId()).isEqualTo("0x11e8");
        assertThat(info.vendorName()).isEqualTo("Technical Corp.");
        assertThat(info.deviceName()).isEqualTo("QEMU edu device");
        assertThat(info.iommuGroup()).isEqualTo(3);
        assertThat(info.cdev()).isNull();
        assertThat(info.owner()).isNull();
        assertThat(info.features()).isNull();
        assertThat(info.state()).isNull();
        assertThat(info.access()).isNull();
    }

    @Test
    void variantDriversAreListedOtherDriversAreNot() {
        Path mlx = host.pci("0000:3b:00.1", "mlx5_vfio_pci", "0x15b3", "0x101e");
        host.group(mlx, 12, false);
        Path vendorVariant = host.pci("0000:3c:00.0", "acme_migrate", "0x1af4", "0x1041");
        host.cdev(vendorVariant, 4, true);
        host.pci("0000:00:19.0", "e1000e", "0x8086", "0x15b8");
        host.pci("0000:00:1f.0", null, "0x8086", "0x7a04");

        Map<String, DeviceInfo> devices = list();

        assertThat(devices).containsOnlyKeys("0000:3b:00.1", "0000:3c:00.0");
        assertThat(devices.get("0000:3b:00.1").driver()).isEqualTo("mlx5_vfio_pci");
        assertThat(devices.get("0000:3b:00.1").displayName())
                .isEqualTo("Mellanox Technologies ConnectX Family mlx5Gen Virtual Function (mlx5_vfio_pci)");
        // A vendor id pci.ids lacks: listed by id, no names.
        assertThat(devices.get("0000:3c:00.0").vendorName()).isNull();
        assertThat(devices.get("0000:3c:00.0").driver()).isEqualTo("acme_migrate");
    }

    @Test
    void mdevWithItsTypeGroupAndCdev() {
        Path d = host.mdev(UUID_1, "mtty", "mtty-2", "Dual port serial");
        host.group(d, 7, false);
        Path cdev = host.cdev(d, 2, true);

        DeviceInfo info = list().get(UUID_1);

        assertThat(info.kind()).isEqualTo(DeviceKind.MDEV);
        assertThat(info.driver()).isEqualTo("mtty");
        assertThat(info.deviceName()).isEqualTo("Dual port serial");
        assertThat(info.vendorId()).isNull();
        assertThat(info.iommuGroup()).isEqualTo(7);
        assertThat(info.cdev()).isEqualTo(cdev.toString());
        assertThat(info.access()).isNull();
    }

    @Test
    void unboundMdevTakesItsDriverFromTheTypeName() {
        Path d = host.mdev(UUID_1, null, "mtty-1", "Single port serial");
        host.group(d, 8, false);

        assertThat(list().get(UUID_1).driver()).isEqualTo("mtty");
    }

    @Test
    void busyDeviceNamesTheProcessHoldingItsCdevOrGroup() {
        Path a = host.mdev(UUID_1, "mtty", "mtty-2", "Dual port serial");
        host.group(a, 7, false);
        Path cdev = host.cdev(a, 2, true);
        Path b = host.pci("0000:00:04.0", "vfio-pci", "0x1234", "0x11e8");
        host.group(b, 3, true);
        host.process(4242, "qemu-system-x86", cdev);
        host.process(777, "dpdk-testpmd", host.dev.resolve("vfio/noiommu-3"));
        host.process(99, "bash", tmp.resolve("elsewhere"));

        Map<String, DeviceInfo> devices = list();

        assertThat(devices.get(UUID_1).owner()).isEqualTo(new Owner(4242, "qemu-system-x86"));
        assertThat(devices.get("0000:00:04.0").owner()).isEqualTo(new Owner(777, "dpdk-testpmd"));
    }

    @Test
    void unreadableFilesStillListTheDevice() throws IOException {
        Path d = host.pci("0000:00:04.0", "vfio-pci", "0x1234", "0x11e8");
        host.group(d, 3, false);
        // A directory where a file should be: every read of it fails, as an unreadable file does (even for root).
        Files.delete(d.resolve("vendor"));
        Files.createDirectory(d.resolve("vendor"));
        Path m = host.mdev(UUID_1, "mtty", "mtty-2", "Dual port serial");
        host.group(m, 7, false);
        Files.delete(m.resolve("mdev_type").toRealPath().resolve("name"));
        Files.createDirectory(host.proc.resolve("555"));  // a process whose fd directory cannot be read

        Map<String, DeviceInfo> devices = list();

        assertThat(devices.get("0000:00:04.0").vendorId()).isNull();
        assertThat(devices.get("0000:00:04.0").vendorName()).isNull();
        assertThat(devices.get("0000:00:04.0").deviceId()).isEqualTo("0x11e8");
        assertThat(devices.get(UUID_1).deviceName()).isNull();
    }

    @Test
    void aDeviceWhoseSysfsMakesNoSenseIsListedWithTheReason() {
        Path d = host.pci("0000:00:04.0", "vfio-pci", "0x1234", "0x11e8");
        FakeHost.link(d.resolve("iommu_group"), Path.of("../../../kernel/iommu_groups/99999999999"));
        Path ok = host.mdev(UUID_1, "mtty", "mtty-2", "Dual port serial");
        host.group(ok, 7, false);

        Map<String, DeviceInfo> devices = list();

        assertThat(devices.get("0000:00:04.0").driver()).isEqualTo("vfio-pci");
        assertThat(devices.get("0000:00:04.0").access()).contains("could not be read").contains("0000:00:04.0");
        assertThat(devices.get(UUID_1).access()).isNull();
    }

    @Test
    void groupNodeThisUserCannotOpenNamesTheFileAndTheUdevRule() {
        Path d = host.pci("0000:3b:00.1", "mlx5_vfio_pci", "0x15b3", "0x101e");
        host.group(d, 12, false);
        // No cdev: the group route needs /dev/vfio/vfio and /dev/vfio/12.
        Path node = host.dev.resolve("vfio/12");

        String access = list(p -> !p.equals(node)).get("0000:3b:00.1").access();

        assertThat(access).contains(node.toString())
                .contains("add yourself to group vfio")
                .contains("SUBSYSTEM==\"vfio\", GROUP=\"vfio\", MODE=\"0660\"");
    }

    @Test
    void cdevRouteNeedsTheCdevAndIommufd() throws IOException {
        Path d = host.mdev(UUID_1, "mtty", "mtty-2", "Dual port serial");
        host.group(d, 7, false);
        Path cdev = host.cdev(d, 2, true);
        Path iommu = host.dev.resolve("iommu");

        assertThat(list(p -> !p.equals(cdev)).get(UUID_1).access())
                .contains(cdev.toString()).contains("SUBSYSTEM==\"vfio-dev\", GROUP=\"vfio\", MODE=\"0660\"");
        assertThat(list(p -> !p.equals(iommu)).get(UUID_1).access())
                .contains(iommu.toString()).contains("KERNEL==\"iommu\", GROUP=\"vfio\", MODE=\"0660\"");
        // Without iommufd the group route is taken, so the cdev does not matter.
        Files.delete(iommu);
        assertThat(list(p -> !p.equals(cdev)).get(UUID_1).access()).isNull();
    }

    @Test
    void noIommuGroupNeedsCapSysRawio() {
        Path d = host.pci("0000:00:04.0", "vfio-pci", "0x1234", "0x11e8");
        host.group(d, 3, true);
        FakeHost.write(host.proc.resolve("self/status"), "Name:\tjava\nCapEff:\t0000000000000000\n");

        String access = list().get("0000:00:04.0").access();

        assertThat(access).contains(host.dev.resolve("vfio/noiommu-3").toString()).contains("CAP_SYS_RAWIO");
    }

    @Test
    void deviceWithoutGroupOrCdevCannotBeOpened() {
        host.pci("0000:00:05.0", "vfio-pci", "0x1234", "0x11e8");

        assertThat(list().get("0000:00:05.0").access()).contains("no IOMMU group");
    }

    @Test
    void debugfsStateIsReportedAndWatched() {
        Path d = host.mdev(UUID_1, "mtty", "mtty-2", "Dual port serial");
        host.group(d, 7, false);
        host.debugfsState(UUID_1, "PRE_COPY_P2P\n");
        Path pci = host.pci("0000:00:04.0", "vfio-pci", "0x1234", "0x11e8");
        host.group(pci, 3, true);
        LinuxBackend backend = new LinuxBackend(host.roots(), p -> true);

        assertThat(list().get(UUID_1).state()).isEqualTo(MigState.PRE_COPY_P2P);
        assertThat(backend.watchState(UUID_1)).contains(MigState.PRE_COPY_P2P);
        // No migration directory in debugfs: the device has no mig_ops, or debugfs is not mounted.
        assertThat(backend.watchState("0000:00:04.0")).isEmpty();
        assertThat(backend.watchState("sim:mlx5")).isEmpty();

        host.debugfsState(UUID_1, "Invalid\n");
        assertThat(backend.watchState(UUID_1)).isEmpty();
    }

    /** What attaching to a QEMU without migration-events says when it cannot poll debugfs instead. */
    @Test
    void whyTheDebugfsStateCannotBeReadIsSaidExactly() {
        Path d = host.mdev(UUID_1, "mtty", "mtty-2", "Dual port serial");
        host.group(d, 7, false);
        LinuxBackend backend = new LinuxBackend(host.roots(), p -> true);
        Path file = host.debugfs.resolve("vfio").resolve(UUID_1).resolve("migration/state");

        assertThat(backend.whyNoWatch(UUID_1)).contains(host.debugfs.resolve("vfio") + " does not exist: debugfs "
                + "is not mounted (mount -t debugfs none " + host.debugfs + ") or the kernel lacks CONFIG_VFIO_DEBUGFS");
        host.debugfsState(UUID_1, "RUNNING\n");
        assertThat(backend.whyNoWatch(UUID_1)).isEmpty();
        assertThat(backend.whyNoWatch("sim:mlx5")).contains("no device sim:mlx5 in sysfs on this host");

        FakeHost.write(host.proc.resolve("self/status"), "Name:\tjava\nUid:\t1000\t1000\t1000\t1000\n");
        assertThat(backend.whyNoWatch(UUID_1)).contains("reading " + file + " needs root, and migscope runs as uid 1000");
    }

    /** Linux 6.18's debugfs features file: the feature set in the listing, without opening the device. */
    @Test
    void debugfsFeaturesAreListed() {
        Path a = host.mdev(UUID_1, "mtty", "mtty-2", "Dual port serial");
        host.group(a, 7, false);
        host.debugfsFeatures(UUID_1, "stop-copy\np2p\npre-copy\ndirty-tracking\n");
        Path xe = host.pci("0000:00:06.0", "xe-vfio-pci", "0x8086", "0xe20b");
        host.group(xe, 9, false);
        host.debugfsFeatures("0000:00:06.0", "stop-copy\np2p\n");
        Path old = host.pci("0000:00:07.0", "mlx5_vfio_pci", "0x15b3", "0x101e");
        host.group(old, 10, false);
        host.debugfsState("0000:00:07.0", "RUNNING\n");   // a kernel before 6.18: state, no features
        Path odd = host.pci("0000:00:08.0", "vfio-pci", "0x1234", "0x11e8");
        host.group(odd, 11, false);
        host.debugfsFeatures("0000:00:08.0", "p2p\n");   // no stop-copy: no valid v2 device, so not believed

        Map<String, DeviceInfo> devices = list();

        assertThat(devices.get(UUID_1).features()).isEqualTo(MigFeatures.ALL);
        assertThat(devices.get("0000:00:06.0").features()).isEqualTo(MigFeatures.of(MigFeature.STOP_COPY, MigFeature.P2P));
        assertThat(devices.get("0000:00:06.0").driver()).isEqualTo("xe-vfio-pci");
        assertThat(devices.get("0000:00:07.0").features()).isNull();
        assertThat(devices.get("0000:00:07.0").state()).isEqualTo(MigState.RUNNING);
        assertThat(devices.get("0000:00:08.0").features()).isNull();
    }

    /** xe-vfio-pci is the one variant driver named with dashes: the table lists it even before its vfio-dev appears. */
    @Test
    void xeVfioPciIsAVfioDriver() {
        host.pci("0000:00:06.0", "xe-vfio-pci", "0x8086", "0xe20b");

        assertThat(list()).containsKey("0000:00:06.0");
    }

    /**
     * What the rig found on Linux 7.3: mtty's emulated group is named "vfio-noiommu" in sysfs like
     * a no-IOMMU group, yet its node is /dev/vfio/N. Taken for no-IOMMU, the holder of /dev/vfio/N
     * went unseen and the EBUSY sentence said "run as root" to root.
     */
    @Test
    void anMdevsEmulatedGroupIsNoNoIommuGroup() {
        Path a = host.mdev(UUID_1, "mtty", "mtty-2", "Dual port serial");
        host.emulatedGroup(a, 7);
        host.cdev(a, 0, true);
        host.process(4242, "qemu-system-x86", host.dev.resolve("vfio/7"));
        host.runAs(1000);   // no CAP_SYS_RAWIO, which only a no-IOMMU group would need

        LinuxDevice device = new SysfsScanner(host.roots(), p -> true).scan().get(0);

        assertThat(device.noiommu()).isFalse();
        assertThat(device.groupNode()).isEqualTo(host.dev.resolve("vfio/7"));
        assertThat(device.info().owner()).isEqualTo(new Owner(4242, "qemu-system-x86"));
        assertThat(device.info().access()).isNull();
    }

    /** The listing names a holder of the group node, the cdev or (6.18+) a device fd. */
    @Test
    void theOwnerIsFoundThroughGroupNodeOrDeviceFd() {
        Path a = host.mdev(UUID_1, "mtty", "mtty-2", "Dual port serial");
        host.group(a, 7, false);
        host.cdev(a, 0, true);
        host.process(4242, "qemu-system-x86", host.dev.resolve("vfio/7"));
        Path b = host.pci("0000:00:05.0", "vfio-pci", "0x1234", "0x11e8");
        host.group(b, 8, false);
        host.deviceFd(5151, "qemu-system-x86", 30, "/sys/devices/pci0000:00/0000:00:05.0");

        Map<String, DeviceInfo> devices = list();

        assertThat(devices.get(UUID_1).owner()).isEqualTo(new Owner(4242, "qemu-system-x86"));
        assertThat(devices.get("0000:00:05.0").owner()).isEqualTo(new Owner(5151, "qemu-system-x86"));
    }

    @Test
    void ownsSysfsNamesOnly() {
        host.pci("0000:00:19.0", "e1000e", "0x8086", "0x15b8");
        host.mdev(UUID_1, "mtty", "mtty-2", "Dual port serial");
        LinuxBackend backend = new LinuxBackend(host.roots(), p -> true);

        assertThat(backend.owns(UUID_1)).isTrue();
        assertThat(backend.owns("0000:00:19.0")).isTrue();
        assertThat(backend.owns("sim:mtty")).isFalse();
        assertThat(backend.owns("../devices")).isFalse();
        assertThat(backend.name()).isEqualTo("linux");
    }

    @Test
    void openingADeviceNotBoundToVfioSaysHowToBindIt() {
        host.pci("0000:00:19.0", "e1000e", "0x8086", "0x15b8");
        LinuxBackend backend = new LinuxBackend(host.roots(), p -> true);

        assertThatThrownBy(() -> backend.open("0000:00:19.0"))
                .isInstanceOfSatisfying(VfioException.class, e -> {
                    assertThat(e.error().is(Errno.ENODEV)).isTrue();
                    assertThat(e.error().message()).contains("vfio-pci");
                });
        assertThatThrownBy(() -> backend.open("0000:99:00.0"))
                .isInstanceOfSatisfying(VfioException.class, e -> assertThat(e.error().is(Errno.ENODEV)).isTrue());
    }

    /**
     * Nodes that are plain files open fine and then refuse the first vfio ioctl (ENOTTY): both
     * routes must close what they opened before reporting it.
     */
    @Test
    void aFailedOpenClosesEveryFdItOpened() throws IOException {
        Path pci = host.pci("0000:00:04.0", "vfio-pci", "0x1234", "0x11e8");
        host.group(pci, 3, false);
        Path mdev = host.mdev(UUID_1, "mtty", "mtty-2", "Dual port serial");
        host.group(mdev, 7, false);
        host.cdev(mdev, 2, true);
        LinuxBackend backend = new LinuxBackend(host.roots(), p -> true);

        assertThatThrownBy(() -> backend.open("0000:00:04.0"))
                .isInstanceOfSatisfying(VfioException.class, e -> {
                    assertThat(e.error().is(Errno.ENOTTY)).isTrue();
                    assertThat(e.error().call()).isEqualTo("VFIO_GROUP_GET_STATUS");
                });
        assertThatThrownBy(() -> backend.open(UUID_1))
                .isInstanceOfSatisfying(VfioException.class, e -> {
                    assertThat(e.error().is(Errno.ENOTTY)).isTrue();
                    assertThat(e.error().call()).isEqualTo("VFIO_DEVICE_BIND_IOMMUFD");
                });
        assertThat(fdsOfThisProcessUnder(tmp)).isEmpty();
    }

    private static List<String> fdsOfThisProcessUnder(Path dir) throws IOException {
        List<String> open = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(dir.toString())) {
                        open.add(fd.getFileName() + " -> " + target);
                    }
                } catch (IOException e) {
                    // the directory stream's own fd, gone by now
                }
            }
        }
        return open;
    }
}
