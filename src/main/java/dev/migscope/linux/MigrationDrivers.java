package dev.migscope.linux;

import java.util.List;
import java.util.Optional;

/**
 * The kernel's drivers with vfio migration support (Linux 7.3), by the name sysfs gives their
 * driver, with the name of the anonymous inode their data_fd gets ({@code anon_inode_getfile} in
 * each driver): what /proc/PID/fd shows for a process in the middle of a migration, as
 * {@code anon_inode:mlx5vf_mig}. Plain vfio-pci has no migration and no data_fd.
 */
final class MigrationDrivers {

    /**
     * @param name   the driver as /sys/bus/{pci,mdev}/drivers names it
     * @param dataFd the anonymous inode name of its data_fd
     */
    record Driver(String name, String dataFd) {
    }

    /** Names as in Linux 7.3's drivers/vfio/pci/ and samples/vfio-mdev/mtty.c. */
    static final List<Driver> ALL = List.of(
            new Driver("mlx5_vfio_pci", "mlx5vf_mig"),           // NVIDIA ConnectX VFs
            new Driver("hisi_acc_vfio_pci", "hisi_acc_vf_mig"),  // HiSilicon accelerator VFs
            new Driver("pds_vfio_pci", "pds_vfio_lm"),           // AMD/Pensando DSC VFs
            new Driver("virtio_vfio_pci", "virtiovf_mig"),       // virtio-net, and virtio-blk since 6.15
            new Driver("qat_vfio_pci", "qat_vf_mig"),            // Intel QAT VFs, 420xx since 7.1
            // Intel Xe GPU VFs (6.19+). The one variant driver whose PCI driver name has dashes: its
            // module is xe_vfio_pci, but its struct pci_driver sets .name = "xe-vfio-pci".
            new Driver("xe-vfio-pci", "xe_vfio_mig"),
            new Driver("mtty", "mtty_mig"));                    // the kernel's sample mdev

    private MigrationDrivers() {
    }

    static Optional<Driver> byName(String driver) {
        return ALL.stream().filter(d -> d.name().equals(driver)).findFirst();
    }

    /** The driver whose data_fd is {@code anon_inode:<name>}. */
    static Optional<Driver> byDataFd(String name) {
        return ALL.stream().filter(d -> d.dataFd().equals(name)).findFirst();
    }
}
