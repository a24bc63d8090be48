package dev.migscope.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A fake /sys, /dev, /proc, debugfs and pci.ids under a temporary directory, laid out as Linux 6.12 does. */
final class FakeHost {

    final Path root;
    final Path sys;
    final Path dev;
    final Path proc;
    final Path debugfs;
    final Path pciIds;

    FakeHost(Path root) {
        this.root = root;
        this.sys = root.resolve("sys");
        this.dev = root.resolve("dev");
        this.proc = root.resolve("proc");
        this.debugfs = root.resolve("debug");
        this.pciIds = root.resolve("pci.ids");
        mkdirs(sys.resolve("bus/pci/devices"));
        mkdirs(sys.resolve("bus/mdev/devices"));
        mkdirs(dev.resolve("vfio/devices"));
        mkdirs(proc);
        mkdirs(debugfs);
        // The legacy container and iommufd nodes exist on any 6.12 kernel with VFIO_CONTAINER and IOMMUFD.
        write(dev.resolve("vfio/vfio"), "");
        write(dev.resolve("iommu"), "");
        // Root: uid 0 and its capabilities, CAP_SYS_RAWIO (17) among them.
        write(proc.resolve("self/status"), "Name:\tjava\nUid:\t0\t0\t0\t0\nCapEff:\t000001ffffffffff\n");
    }

    LinuxRoots roots() {
        return new LinuxRoots(sys, dev, proc, debugfs, List.of(root.resolve("missing.ids"), pciIds));
    }

    /** A PCI function at /sys/devices/pci0000:00/BDF, linked from /sys/bus/pci/devices. */
    Path pci(String bdf, String driver, String vendor, String device) {
        Path d = sys.resolve("devices/pci0000:00").resolve(bdf);
        mkdirs(d);
        write(d.resolve("vendor"), vendor + "\n");
        write(d.resolve("device"), device + "\n");
        if (driver != null) {
            mkdirs(sys.resolve("bus/pci/drivers").resolve(driver));
            link(d.resolve("driver"), Path.of("../../../bus/pci/drivers").resolve(driver));
        }
        link(sys.resolve("bus/pci/devices").resolve(bdf), Path.of("../../../devices/pci0000:00").resolve(bdf));
        return d;
    }

    /** An mdev of the given type (e.g. mtty-2), parent /sys/devices/virtual/mtty/mtty. */
    Path mdev(String uuid, String driver, String type, String typeName) {
        Path parent = sys.resolve("devices/virtual/mtty/mtty");
        Path typeDir = parent.resolve("mdev_supported_types").resolve(type);
        mkdirs(typeDir);
        write(typeDir.resolve("name"), typeName + "\n");
        Path d = parent.resolve(uuid);
        mkdirs(d);
        link(d.resolve("mdev_type"), Path.of("../mdev_supported_types").resolve(type));
        if (driver != null) {
            mkdirs(sys.resolve("bus/mdev/drivers").resolve(driver));
            link(d.resolve("driver"), Path.of("../../../../../bus/mdev/drivers").resolve(driver));
        }
        link(sys.resolve("bus/mdev/devices").resolve(uuid), Path.of("../../../devices/virtual/mtty/mtty").resolve(uuid));
        return d;
    }

    /**
     * The iommu_group link, the group in /sys/kernel/iommu_groups, the vfio group device in
     * /sys/class/vfio and its /dev/vfio node.
     */
    void group(Path device, int group, boolean noiommu) {
        Path g = sys.resolve("kernel/iommu_groups").resolve(Integer.toString(group));
        mkdirs(g);
        if (noiommu) {
            write(g.resolve("name"), "vfio-noiommu\n");
        }
        link(device.resolve("iommu_group"), device.relativize(g));
        String node = noiommu ? "noiommu-" + group : Integer.toString(group);
        mkdirs(sys.resolve("class/vfio").resolve(node));
        write(dev.resolve("vfio").resolve(node), "");
    }

    /**
     * An mdev's emulated IOMMU group, as vfio_noiommu_group_alloc(VFIO_EMULATED_IOMMU) makes it:
     * named "vfio-noiommu" like a no-IOMMU group, but its node is the plain /dev/vfio/N.
     */
    void emulatedGroup(Path device, int group) {
        group(device, group, false);
        write(sys.resolve("kernel/iommu_groups").resolve(group + "/name"), "vfio-noiommu\n");
    }

    /** vfio-dev/vfioN in sysfs, and its /dev/vfio/devices node when {@code node}. */
    Path cdev(Path device, int n, boolean node) {
        mkdirs(device.resolve("vfio-dev/vfio" + n));
        Path cdev = dev.resolve("vfio/devices/vfio" + n);
        if (node) {
            write(cdev, "");
        }
        return cdev;
    }

    /** A process holding {@code target} open as fd 7. */
    void process(int pid, String comm, Path target) {
        Path p = proc.resolve(Integer.toString(pid));
        mkdirs(p.resolve("fd"));
        write(p.resolve("comm"), comm + "\n");
        link(p.resolve("fd/7"), target);
    }

    /**
     * A process holding a vfio device fd ({@code anon_inode:[vfio-device]}) as {@code fd}; its fdinfo
     * names the device's sysfs path when {@code syspath} is given, as Linux 6.18+ does.
     */
    void deviceFd(int pid, String comm, int fd, String syspath) {
        anonFd(pid, comm, fd, "[vfio-device]");
        write(proc.resolve(pid + "/fdinfo/" + fd), "pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1057\n"
                + (syspath == null ? "" : "vfio-device-syspath: " + syspath + "\n"));
    }

    /** A process holding an anonymous inode such as a data_fd ({@code mlx5vf_mig}) as {@code fd}. */
    void anonFd(int pid, String comm, int fd, String name) {
        Path p = proc.resolve(Integer.toString(pid));
        write(p.resolve("comm"), comm + "\n");
        link(p.resolve("fd/" + fd), Path.of("anon_inode:" + name));
    }

    /** This process runs as {@code uid}, without capabilities. */
    void runAs(int uid) {
        write(proc.resolve("self/status"), "Name:\tjava\nUid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid
                + "\nCapEff:\t0000000000000000\n");
    }

    void debugfsFeatures(String id, String text) {
        write(debugfs.resolve("vfio").resolve(id).resolve("migration/features"), text);
    }

    void debugfsState(String id, String text) {
        write(debugfs.resolve("vfio").resolve(id).resolve("migration/state"), text);
    }

    static void write(Path p, String text) {
        try {
            Files.createDirectories(p.getParent());
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void mkdirs(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void link(Path link, Path target) {
        try {
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
