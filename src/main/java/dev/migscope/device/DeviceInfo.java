package dev.migscope.device;

import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import java.util.Optional;

/**
 * What a backend knows about a device without changing it.
 *
 * @param id          sysfs name (PCI address {@code 0000:3b:00.1}, mdev UUID) or {@code sim:<name>}
 * @param kind        pci, mdev or sim
 * @param driver      bound driver: vfio-pci, mlx5_vfio_pci, mtty, ...
 * @param vendorName  from pci.ids when known, else null
 * @param deviceName  from pci.ids or the mdev type name when known, else null
 * @param vendorId    {@code 0x15b3} for PCI; null when not applicable
 * @param deviceId    {@code 0x101e} for PCI; null when not applicable
 * @param iommuGroup  IOMMU group number ({@code noiommu-N} groups keep N), null when none
 * @param cdev        {@code /dev/vfio/devices/vfioX} when the kernel has device cdevs, else null
 * @param owner       the process holding the device open, null when free or unknown
 * @param features    GET MIGRATION result when known without opening the device; null when
 *                    unknown or when the device has no migration support
 * @param state       current state when readable without side effects (simulator, debugfs); else null
 * @param access      why this user cannot open the device (a sentence naming file and fix); null when it can
 */
public record DeviceInfo(
        String id,
        DeviceKind kind,
        String driver,
        String vendorName,
        String deviceName,
        String vendorId,
        String deviceId,
        Integer iommuGroup,
        String cdev,
        Owner owner,
        MigFeatures features,
        MigState state,
        String access) {

    public Optional<Owner> ownerIfBusy() {
        return Optional.ofNullable(owner);
    }

    public Optional<MigFeatures> knownFeatures() {
        return Optional.ofNullable(features);
    }

    public Optional<MigState> knownState() {
        return Optional.ofNullable(state);
    }

    /** A one-line human name: "Mellanox ConnectX-7 (mlx5_vfio_pci)". */
    public String displayName() {
        String name = deviceName != null ? deviceName : id;
        if (vendorName != null && deviceName != null) {
            name = vendorName + " " + deviceName;
        }
        return name + " (" + driver + ")";
    }

    public DeviceInfo withState(MigState newState) {
        return new DeviceInfo(id, kind, driver, vendorName, deviceName, vendorId, deviceId, iommuGroup, cdev,
                owner, features, newState, access);
    }

    public DeviceInfo withAccess(String newAccess) {
        return new DeviceInfo(id, kind, driver, vendorName, deviceName, vendorId, deviceId, iommuGroup, cdev,
                owner, features, state, newAccess);
    }

    public DeviceInfo withFeatures(MigFeatures newFeatures) {
        return new DeviceInfo(id, kind, driver, vendorName, deviceName, vendorId, deviceId, iommuGroup, cdev,
                owner, newFeatures, state, access);
    }
}
