package dev.migscope.qemu;

import java.util.ArrayList;
import java.util.List;

/**
 * Why a migration of a VM with VFIO devices is blocked or failed, from the sentence QEMU or libvirt
 * gave: QEMU's blocked-reasons (query-migrate), a migrate error, libvirt's "cannot migrate
 * domain: ..." (QEMU's reasons joined with "; "). Each known sentence maps to its cause and fix;
 * the texts are QEMU 10's (hw/vfio/migration.c, hw/vfio/common.c) and libvirt's
 * (src/qemu/qemu_migration.c). docs/QEMU.md has the same table.
 */
public final class Blockers {

    /**
     * One row: who writes the sentence ({@link #QEMU}, {@link #LIBVIRT}, or {@link #OLD_LIBVIRT}),
     * a piece of it, the cause, the fix.
     */
    public record Cause(String from, String match, String cause, String fix) {
    }

    public static final String QEMU = "QEMU";
    public static final String LIBVIRT = "libvirt";
    /** libvirt before 8.3, which refused hostdevs itself without asking QEMU. */
    public static final String OLD_LIBVIRT = "libvirt < 8.3";

    public static final List<Cause> TABLE = List.of(
            new Cause(QEMU, "VFIO migration is not supported in kernel",
                    "no migration support in the driver: VFIO_DEVICE_FEATURE MIGRATION gives ENOTTY",
                    "bind a variant driver with migration (mlx5_vfio_pci, hisi_acc_vfio_pci, pds_vfio_pci, "
                            + "virtio_vfio_pci, qat_vfio_pci, xe_vfio_pci; mtty for tests); migscope show DEVICE "
                            + "lists its migration features"),
            new Cause(QEMU, "Migration couldn't be initialized for VFIO device",
                    "the driver failed VFIO_DEVICE_FEATURE MIGRATION or the first MIG_DEVICE_STATE GET",
                    "run migscope conform DEVICE to see which call fails"),
            new Cause(QEMU, "Migration is disabled for VFIO device",
                    "vfio-pci's enable-migration is off",
                    "enable-migration=on (or auto) on the -device, or in a <qemu:override> of the hostdev's alias"),
            new Cause(QEMU, "doesn't support device and IOMMU dirty tracking",
                    "no dirty tracking: the device has no DMA logging (or x-device-dirty-page-tracking=off) and the "
                            + "IOMMU tracks none",
                    "use the IOMMUFD backend (-object iommufd, iommufd= on the -device) on an IOMMU with dirty "
                            + "tracking, or a device with DMA_LOGGING; enable-migration=on migrates without "
                            + "tracking (QEMU then sends all guest RAM the device may have written)"),
            new Cause(QEMU, "Could not start dirty page tracking",
                    "the device's DMA_LOGGING_START or DMA_LOGGING_REPORT failed (a kernel without "
                            + "IOMMUFD_DRIVER, a driver's stub)",
                    "x-device-dirty-page-tracking=off makes QEMU use the container's tracking"),
            new Cause(QEMU, "Multiple VFIO devices migration is supported only if all of them support P2P",
                    "several VFIO devices, not all with the P2P feature (RUNNING_P2P), so they cannot be quiesced "
                            + "before one another's STOP",
                    "give the VM one VFIO device, or only devices whose drivers have P2P (migscope show DEVICE)"),
            new Cause(QEMU, "not supported with vIOMMU enabled",
                    "a vIOMMU (intel-iommu, virtio-iommu; libvirt's <iommu>) in the VM",
                    "remove the vIOMMU, or migrate without VFIO devices"),
            new Cause(QEMU, "not supported with postcopy migration",
                    "postcopy with VFIO: a device's state cannot follow the VM after it runs on the destination",
                    "turn the postcopy-ram capability off (virsh migrate without --postcopy)"),
            new Cause(QEMU, "not supported with background snapshot",
                    "a background snapshot with VFIO",
                    "take the snapshot without background-snapshot"),
            new Cause(LIBVIRT, "cannot migrate a domain with <hostdev",
                    "libvirt's own hostdev refusal: this QEMU reports no blocked-reasons (older than 6.0), so "
                            + "libvirt refuses every non-USB hostdev itself",
                    "QEMU 6.0 or later, so that libvirt asks QEMU (VFIO migration v2 needs QEMU 8.1 or later)"),
            new Cause(OLD_LIBVIRT, "domain has assigned non-USB host devices",
                    "libvirt's own hostdev refusal (libvirt older than 8.3 refuses every non-USB hostdev)",
                    "libvirt 8.3 or later with QEMU 8.1 or later, which ask QEMU instead"),
            new Cause(LIBVIRT, "Attempt to migrate guest to the same host",
                    "libvirt refuses a destination with its own host UUID",
                    "migrate to another host (or to a libvirtd whose host_uuid in libvirtd.conf differs)"));

    private Blockers() {
    }

    /** The rows whose sentence is in {@code message} (QEMU's reasons may be joined in one), in table order. */
    public static List<Cause> causes(String message) {
        List<Cause> found = new ArrayList<>();
        if (message != null) {
            for (Cause c : TABLE) {
                if (message.contains(c.match())) {
                    found.add(c);
                }
            }
        }
        return found;
    }

    /** {@code ; cause: ...; fix: ...} for each known cause in {@code message}, or "" when none is known. */
    public static String explain(String message) {
        StringBuilder b = new StringBuilder();
        for (Cause c : causes(message)) {
            b.append("; cause: ").append(c.cause()).append("; fix: ").append(c.fix());
        }
        return b.toString();
    }
}
