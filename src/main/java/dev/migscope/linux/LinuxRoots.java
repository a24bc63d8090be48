package dev.migscope.linux;

import java.nio.file.Path;
import java.util.List;

/**
 * Where the backend looks: the real /sys, /dev, /proc, debugfs and pci.ids, or fake trees a test
 * builds under a temporary directory.
 *
 * @param sys     sysfs ({@code /sys})
 * @param dev     device nodes ({@code /dev})
 * @param proc    procfs ({@code /proc}), for the owners of busy devices and our capabilities
 * @param debugfs debugfs ({@code /sys/kernel/debug}), for the migration state without opening
 * @param pciIds  pci.ids candidates, first existing one wins
 */
public record LinuxRoots(Path sys, Path dev, Path proc, Path debugfs, List<Path> pciIds) {

    public LinuxRoots {
        pciIds = List.copyOf(pciIds);
    }

    /** The running system. */
    public static LinuxRoots system() {
        return new LinuxRoots(Path.of("/sys"), Path.of("/dev"), Path.of("/proc"), Path.of("/sys/kernel/debug"),
                List.of(Path.of("/usr/share/misc/pci.ids"), Path.of("/usr/share/hwdata/pci.ids")));
    }

    /** {@code /dev/vfio/vfio}: the legacy container. */
    Path container() {
        return dev.resolve("vfio/vfio");
    }

    /** {@code /dev/iommu}: iommufd, needed for the cdev route. */
    Path iommufd() {
        return dev.resolve("iommu");
    }
}
