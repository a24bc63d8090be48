package dev.migscope.linux;

import dev.migscope.device.DeviceInfo;
import java.nio.file.Path;

/**
 * One vfio device as sysfs shows it, with the nodes the two open routes need.
 *
 * @param info      what the listing reports
 * @param groupNode {@code /dev/vfio/N} or {@code /dev/vfio/noiommu-N}; null without an IOMMU group
 * @param noiommu   the group is a no-IOMMU group (VFIO_NOIOMMU_IOMMU, CAP_SYS_RAWIO, no cdev)
 * @param cdevNode  {@code /dev/vfio/devices/vfioX} when that node exists, else null
 */
record LinuxDevice(DeviceInfo info, Path groupNode, boolean noiommu, Path cdevNode) {

    String id() {
        return info.id();
    }
}
