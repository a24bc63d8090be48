package dev.migscope.linux;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.Owner;
import dev.migscope.fsm.MigFeature;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Finds vfio devices in sysfs without opening anything: PCI functions bound to vfio-pci or a
 * variant driver, and mediated devices. For each it resolves the IOMMU group and its node, the
 * device cdev, pci.ids names, the process holding it, whether this user may open it, and the
 * migration state from debugfs when readable.
 */
final class SysfsScanner {

    /** CAP_SYS_RAWIO: a no-IOMMU group refuses to open without it (vfio_group_fops_open). */
    private static final int CAP_SYS_RAWIO = 17;

    private final LinuxRoots roots;
    private final PciIds pciIds;
    private final Predicate<Path> readWrite;

    /**
     * @param readWrite whether this user may open a node read-write ({@link #mayOpen} on a real
     *                  system; tests running as root, whom access(2) never refuses, pass their own)
     */
    SysfsScanner(LinuxRoots roots, Predicate<Path> readWrite) {
        this.roots = roots;
        this.pciIds = PciIds.load(roots.pciIds());
        this.readWrite = readWrite;
    }

    /** access(2) for read and write, which is what open(O_RDWR) checks first. */
    static boolean mayOpen(Path node) {
        return Files.isReadable(node) && Files.isWritable(node);
    }

    List<LinuxDevice> scan() {
        ProcOwners owners = ProcOwners.scan(roots.proc(), roots.dev().resolve("vfio"));
        boolean rawIo = hasCapability(CAP_SYS_RAWIO);
        List<LinuxDevice> found = new ArrayList<>();
        for (Path dev : children(roots.sys().resolve("bus/pci/devices"))) {
            try {
                pci(dev, owners, rawIo).ifPresent(found::add);
            } catch (RuntimeException e) {
                found.add(unreadable(dev, DeviceKind.PCI, e));
            }
        }
        for (Path dev : children(roots.sys().resolve("bus/mdev/devices"))) {
            try {
                found.add(mdev(dev, owners, rawIo));
            } catch (RuntimeException e) {
                found.add(unreadable(dev, DeviceKind.MDEV, e));
            }
        }
        return found;
    }

    /** A device whose sysfs entry could not be made sense of: still listed, with the reason as its access. */
    private static LinuxDevice unreadable(Path dev, DeviceKind kind, RuntimeException e) {
        String id = dev.getFileName().toString();
        DeviceInfo info = new DeviceInfo(id, kind, linkName(dev.resolve("driver")).orElse("unknown"), null, null,
                null, null, null, null, null, null, null,
                "sysfs entry " + dev + " could not be read (" + e.getMessage() + "): check that sysfs is mounted "
                        + "and readable");
        return new LinuxDevice(info, null, false, null);
    }

    private Optional<LinuxDevice> pci(Path dev, ProcOwners owners, boolean rawIo) {
        String driver = linkName(dev.resolve("driver")).orElse(null);
        if (driver == null || !isVfioDriver(dev, driver)) {
            return Optional.empty();
        }
        String vendorId = read(dev.resolve("vendor")).orElse(null);
        String deviceId = read(dev.resolve("device")).orElse(null);
        String vendorName = vendorId == null ? null : pciIds.vendor(vendorId).orElse(null);
        String deviceName = vendorId == null || deviceId == null ? null : pciIds.device(vendorId, deviceId).orElse(null);
        return Optional.of(build(dev, DeviceKind.PCI, driver, vendorName, deviceName, vendorId, deviceId, owners, rawIo));
    }

    /**
     * vfio-pci itself, or a variant: a driver of {@link MigrationDrivers}, one named *_vfio_pci, or
     * one whose device registered a vfio device.
     */
    private static boolean isVfioDriver(Path dev, String driver) {
        return driver.equals("vfio-pci") || driver.endsWith("_vfio_pci") || MigrationDrivers.byName(driver).isPresent()
                || Files.isDirectory(dev.resolve("vfio-dev"));
    }

    private LinuxDevice mdev(Path dev, ProcOwners owners, boolean rawIo) {
        Optional<Path> type = link(dev.resolve("mdev_type"));
        // The type directory is named <parent driver>-<type>: mtty-2 belongs to mtty.
        String driver = linkName(dev.resolve("driver"))
                .or(() -> type.map(t -> {
                    String n = t.getFileName().toString();
                    return n.contains("-") ? n.substring(0, n.lastIndexOf('-')) : n;
                }))
                .orElse("mdev");
        String typeName = type.flatMap(t -> read(t.resolve("name"))).orElse(null);
        return build(dev, DeviceKind.MDEV, driver, null, typeName, null, null, owners, rawIo);
    }

    private LinuxDevice build(Path dev, DeviceKind kind, String driver, String vendorName, String deviceName,
            String vendorId, String deviceId, ProcOwners owners, boolean rawIo) {
        String id = dev.getFileName().toString();
        Integer group = null;
        Path groupNode = null;
        boolean noiommu = false;
        Optional<String> groupName = linkName(dev.resolve("iommu_group"));
        if (groupName.isPresent() && isNumber(groupName.get())) {
            group = Integer.valueOf(groupName.get());
            Path noiommuNode = roots.dev().resolve("vfio/noiommu-" + group);
            // The vfio group device is named noiommu-N only for a no-IOMMU group (vfio_create_group).
            // Not the IOMMU group's name: vfio_noiommu_group_alloc names it "vfio-noiommu" for the
            // emulated groups of mdevs (mtty) too, whose node is the plain /dev/vfio/N.
            noiommu = Files.exists(noiommuNode) || Files.isDirectory(roots.sys().resolve("class/vfio/noiommu-" + group));
            groupNode = noiommu ? noiommuNode : roots.dev().resolve("vfio/" + group);
        }
        Path cdevNode = children(dev.resolve("vfio-dev")).stream()
                .map(p -> roots.dev().resolve("vfio/devices/" + p.getFileName()))
                .filter(Files::exists)
                .findFirst().orElse(null);
        Owner owner = owners.holderOf(id, cdevNode, groupNode).map(ProcOwners.Holding::owner).orElse(null);
        MigState state = debugfsState(roots, id).orElse(null);
        MigFeatures features = debugfsFeatures(roots, id).orElse(null);
        String access = access(groupNode, noiommu, cdevNode, rawIo);
        DeviceInfo info = new DeviceInfo(id, kind, driver, vendorName, deviceName, vendorId, deviceId, group,
                cdevNode == null ? null : cdevNode.toString(), owner, features, state, access);
        return new LinuxDevice(info, groupNode, noiommu, cdevNode);
    }

    /** Why this user cannot open the device by the route {@link DeviceOpener} will take; null when it can. */
    private String access(Path groupNode, boolean noiommu, Path cdevNode, boolean rawIo) {
        List<Path> needed = new ArrayList<>();
        if (cdevNode != null && Files.exists(roots.iommufd())) {
            needed.add(roots.iommufd());
            needed.add(cdevNode);
        } else if (groupNode == null) {
            return "the device has no IOMMU group (no iommu_group link in sysfs): enable the IOMMU "
                    + "(intel_iommu=on / amd_iommu=on) or load vfio with enable_unsafe_noiommu_mode=1";
        } else {
            if (noiommu && !rawIo) {
                return VfioErrors.permission(groupNode, true);
            }
            needed.add(roots.container());
            needed.add(groupNode);
        }
        for (Path p : needed) {
            if (!Files.exists(p)) {
                return p + " does not exist: load the vfio modules (modprobe vfio-pci) or check the device's binding";
            }
            if (!readWrite.test(p)) {
                return VfioErrors.permission(p, false);
            }
        }
        return null;
    }

    /** debugfs vfio/<dev>/migration/state (CONFIG_VFIO_DEBUGFS, root): read-only, no open. */
    static Optional<MigState> debugfsState(LinuxRoots roots, String id) {
        return read(roots.debugfs().resolve("vfio").resolve(id).resolve("migration/state")).flatMap(MigState::parse);
    }

    /**
     * debugfs vfio/<dev>/migration/features (Linux 6.18+, CONFIG_VFIO_DEBUGFS, root): the device's
     * migration flags without opening it, one a line (stop-copy, p2p, pre-copy). Its
     * {@code dirty-tracking} line says the driver has DMA logging, which is no migration flag.
     */
    private static Optional<MigFeatures> debugfsFeatures(LinuxRoots roots, String id) {
        return read(roots.debugfs().resolve("vfio").resolve(id).resolve("migration/features")).flatMap(text -> {
            int flags = 0;
            for (String line : text.lines().toList()) {
                flags |= MigFeature.parse(line).map(MigFeature::bit).orElse(0);
            }
            MigFeatures features = new MigFeatures(flags);
            return features.isValid() ? Optional.of(features) : Optional.empty();
        });
    }

    /** The effective capability set of this process (CapEff in /proc/self/status) has {@code cap}. */
    private boolean hasCapability(int cap) {
        try {
            for (String line : Files.readAllLines(roots.proc().resolve("self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long mask = Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
                    return (mask & (1L << cap)) != 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Unknown capabilities: the open itself will say EPERM if they are missing.
            return true;
        }
        return true;
    }

    private static List<Path> children(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(out::add);
        } catch (IOException e) {
            // An unreadable directory lists nothing; the devices of the readable ones are still shown.
        }
        out.sort(null);
        return out;
    }

    /** Where a sysfs link leads, resolved on disk: the device directories are links themselves. */
    private static Optional<Path> link(Path p) {
        try {
            return Optional.of(p.toRealPath());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The last element of a link's target: the driver, group number or type it names. */
    private static Optional<String> linkName(Path p) {
        try {
            // A link to "/" has no last element: it names nothing.
            return Optional.ofNullable(Files.readSymbolicLink(p).getFileName()).map(Path::toString);
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> read(Path p) {
        try {
            return Optional.of(Files.readString(p).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }
}
