package dev.migscope.rig;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.testsupport.RigDevices;
import dev.migscope.testsupport.RunningKernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Checks the rig itself (src/test/vm): that the guest really offers what the vm tests of the
 * linux backend rely on. Runs only in the guest, where init exports the devices it made.
 */
@Tag("vm")
class RigGuestTest {

  private static String pciAddress() {
    String bdf = System.getenv("MIGSCOPE_RIG_PCI");
    assertThat(bdf).as("MIGSCOPE_RIG_PCI, set by the rig's init").isNotBlank();
    return bdf;
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void bothMttyDevicesAreOnTheMdevBus() throws IOException {
    assertThat(names(Path.of("/sys/bus/mdev/devices"))).containsAll(RigDevices.mtty());
  }

  @Test
  void everyMttyDeviceHasAVfioCdev() throws IOException {
    for (String uuid : RigDevices.mtty()) {
      List<String> cdevs = names(Path.of("/sys/bus/mdev/devices", uuid, "vfio-dev"));
      assertThat(cdevs).as("vfio-dev of %s", uuid).singleElement().asString().startsWith("vfio");
      assertThat(Path.of("/dev/vfio/devices", cdevs.get(0))).exists();
    }
  }

  @Test
  void thePciDeviceIsBoundToVfioPciInNoIommuMode() throws IOException {
    Path device = Path.of("/sys/bus/pci/devices", pciAddress());
    assertThat(Files.readSymbolicLink(device.resolve("driver")).getFileName())
        .hasToString("vfio-pci");
    String group = Files.readSymbolicLink(device.resolve("iommu_group")).getFileName().toString();
    assertThat(Path.of("/dev/vfio", "noiommu-" + group)).exists();
    List<String> vfioDevices = names(device.resolve("vfio-dev"));
    if (RunningKernel.atLeast(7, 3)) {
      // Linux 7.3 gives a no-IOMMU device a cdev too, named noiommu-vfioN (IOMMUFD_NOIOMMU, which
      // VFIO_NOIOMMU selects with VFIO_DEVICE_CDEV: vfio_device_set_noiommu_and_name in vfio_main.c).
      assertThat(vfioDevices).singleElement().asString().startsWith("noiommu-vfio");
      assertThat(Path.of("/dev/vfio/devices", vfioDevices.get(0))).exists();
    } else {
      // Linux 6.12 gives a no-IOMMU device no cdev (vfio_device_add in drivers/vfio/vfio.h): it has a
      // vfio device in sysfs, but only the group path opens it.
      assertThat(vfioDevices).singleElement().asString().startsWith("vfio");
      assertThat(Path.of("/dev/vfio/devices", vfioDevices.get(0))).doesNotExist();
    }
  }

  @Test
  void debugfsShowsTheMigrationStateOfEachMtty() throws IOException {
    for (String uuid : RigDevices.mtty()) {
      Path state = Path.of("/sys/kernel/debug/vfio", uuid, "migration", "state");
      assertThat(Files.readString(state)).as("%s", state).isEqualTo("RUNNING\n");
    }
  }
}
