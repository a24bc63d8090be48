package dev.migscope.linux.vm;

import dev.migscope.testsupport.RunningKernel;
import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceInfo;
import dev.migscope.fsm.MigFeatures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The linux backend finds the rig's devices as sysfs shows them. */
@Tag("vm")
class DiscoveryVmTest {

    @Test
    void bothMttyMdevsAreListedWithGroupAndCdev() {
        List<DeviceInfo> mttys = VmRig.mttys();

        for (DeviceInfo d : mttys) {
            assertThat(d.deviceName()).as("mdev_type/name of %s", d.id()).isNotBlank();
            assertThat(d.iommuGroup()).as("group of %s", d.id()).isNotNull();
            // Each mdev gets its own cdev (VFIO_DEVICE_CDEV) and an emulated-IOMMU group.
            assertThat(d.cdev()).as("cdev of %s", d.id()).startsWith("/dev/vfio/devices/vfio");
            assertThat(Files.exists(Path.of(d.cdev()))).isTrue();
            assertThat(Files.exists(Path.of("/dev/vfio/" + d.iommuGroup()))).isTrue();
            assertThat(d.access()).as("root can open %s", d.id()).isNull();
            assertThat(d.owner()).as("nobody holds %s", d.id()).isNull();
        }
        assertThat(mttys.get(0).iommuGroup()).isNotEqualTo(mttys.get(1).iommuGroup());
    }

    @Test
    void thePciFunctionIsListedInItsNoIommuGroup() {
        DeviceInfo pci = VmRig.pci();

        assertThat(pci.id()).matches("[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]");
        assertThat(pci.vendorId()).startsWith("0x");
        assertThat(pci.deviceId()).startsWith("0x");
        assertThat(pci.iommuGroup()).isNotNull();
        // Linux 6.12 gives no-IOMMU devices no cdev (vfio_device_add), only /dev/vfio/noiommu-N; 7.3 adds
        // a cdev named noiommu-vfioN (IOMMUFD_NOIOMMU: vfio_device_set_noiommu_and_name in vfio_main.c).
        if (RunningKernel.atLeast(7, 3)) {
            assertThat(pci.cdev()).startsWith("/dev/vfio/devices/noiommu-vfio");
        } else {
            assertThat(pci.cdev()).isNull();
        }
        assertThat(Files.exists(Path.of("/dev/vfio/noiommu-" + pci.iommuGroup()))).isTrue();
        assertThat(pci.access()).isNull();
        // vfio-pci has no migration ops, so debugfs has no migration/state for it.
        assertThat(pci.state()).isNull();
    }

    /** Linux 6.18's debugfs migration/features: the listing carries the features without an open. */
    @Test
    void featuresComeFromDebugfsFrom618On() {
        boolean featuresFile = RunningKernel.atLeast(6, 18);
        for (DeviceInfo d : VmRig.mttys()) {
            assertThat(d.features()).as("features of %s on Linux %s", d.id(), System.getProperty("os.version"))
                    .isEqualTo(featuresFile ? MigFeatures.ALL : null);
        }
        // vfio-pci has no migration ops: no migration directory, so no features either way.
        assertThat(VmRig.pci().features()).isNull();
    }

    @Test
    void idleMttyStateComesFromDebugfs() {
        for (DeviceInfo d : VmRig.mttys()) {
            assertThat(d.state()).as("debugfs state of %s", d.id()).isNotNull();
        }
    }
}
