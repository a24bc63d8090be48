package dev.migscope.linux;

import static dev.migscope.linux.Uapi.O_CLOEXEC;
import static dev.migscope.linux.Uapi.O_RDWR;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.migscope.device.Errno;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * The two ways to get a device fd. The cdev route (Linux 6.6+: /dev/iommu, the device's
 * /dev/vfio/devices/vfioX, BIND_IOMMUFD, IOAS_ALLOC, ATTACH_IOMMUFD_PT) is taken when the device
 * has a cdev and the kernel has iommufd; otherwise the group route (/dev/vfio/vfio,
 * /dev/vfio/N, GROUP_GET_STATUS, SET_CONTAINER, SET_IOMMU, GROUP_GET_DEVICE_FD). No-IOMMU devices
 * have no cdev (vfio_device_add), so they always take the group route with VFIO_NOIOMMU_IOMMU.
 * Whatever was opened is closed in reverse order when a later step fails.
 */
final class DeviceOpener {

    private final LinuxRoots roots;

    DeviceOpener(LinuxRoots roots) {
        this.roots = roots;
    }

    /** The fds an open device holds, the device fd last; closed last-opened first. */
    static final class OpenFds implements AutoCloseable {
        private final Deque<Integer> fds = new ArrayDeque<>();
        private final String route;
        private int deviceFd = -1;

        OpenFds(String route) {
            this.route = route;
        }

        int deviceFd() {
            return deviceFd;
        }

        /** {@code cdev} or {@code group}. */
        String route() {
            return route;
        }

        private void push(int fd) {
            fds.push(fd);
        }

        @Override
        public void close() {
            while (!fds.isEmpty()) {
                LibC.closeQuietly(fds.pop());
            }
            deviceFd = -1;
        }
    }

    /** A step that failed, before the fds are closed and the holder is looked up. */
    private static final class StepFailed extends Exception {
        private static final long serialVersionUID = 1L;
        final int errno;
        final String call;
        final Path node;
        final boolean open;

        StepFailed(int errno, String call, Path node, boolean open) {
            super(call, null, false, false);
            this.errno = errno;
            this.call = call;
            this.node = node;
            this.open = open;
        }
    }

    OpenFds open(LinuxDevice device) throws VfioException {
        boolean cdev = device.cdevNode() != null && Files.exists(roots.iommufd());
        if (!cdev && device.groupNode() == null) {
            throw new VfioException(new VfioError(0, "open", device.id(), "the device has no IOMMU group and no "
                    + "cdev: enable the IOMMU (intel_iommu=on / amd_iommu=on) or load vfio with "
                    + "enable_unsafe_noiommu_mode=1"));
        }
        OpenFds fds = new OpenFds(cdev ? "cdev" : "group");
        try {
            if (cdev) {
                openCdev(device, fds);
            } else {
                openGroup(device, fds);
            }
            return fds;
        } catch (StepFailed f) {
            // Our own fds go first, so that the /proc scan below names the other holder, not us.
            fds.close();
            throw new VfioException(explain(device, f));
        } catch (RuntimeException e) {
            fds.close();
            throw e;
        }
    }

    private void openCdev(LinuxDevice device, OpenFds fds) throws StepFailed {
        int iommufd = openNode(roots.iommufd());
        fds.push(iommufd);
        int devfd = openNode(device.cdevNode());
        fds.push(devfd);

        Memory bind = new Memory(Uapi.SIZEOF_VFIO_DEVICE_BIND_IOMMUFD);
        bind.clear();
        bind.setInt(Uapi.VFIO_DEVICE_BIND_IOMMUFD_ARGSZ, Uapi.SIZEOF_VFIO_DEVICE_BIND_IOMMUFD);
        bind.setInt(Uapi.VFIO_DEVICE_BIND_IOMMUFD_IOMMUFD, iommufd);
        ioctl(devfd, Uapi.VFIO_DEVICE_BIND_IOMMUFD, bind, "VFIO_DEVICE_BIND_IOMMUFD", device.cdevNode());

        Memory alloc = new Memory(Uapi.SIZEOF_IOMMU_IOAS_ALLOC);
        alloc.clear();
        alloc.setInt(Uapi.IOMMU_IOAS_ALLOC_SIZE, Uapi.SIZEOF_IOMMU_IOAS_ALLOC);
        ioctl(iommufd, Uapi.IOMMU_IOAS_ALLOC, alloc, "IOMMU_IOAS_ALLOC", roots.iommufd());
        int ioas = alloc.getInt(Uapi.IOMMU_IOAS_ALLOC_OUT_IOAS_ID);

        Memory attach = new Memory(Uapi.SIZEOF_VFIO_DEVICE_ATTACH_IOMMUFD_PT);
        attach.clear();
        attach.setInt(Uapi.VFIO_DEVICE_ATTACH_IOMMUFD_PT_ARGSZ, Uapi.SIZEOF_VFIO_DEVICE_ATTACH_IOMMUFD_PT);
        attach.setInt(Uapi.VFIO_DEVICE_ATTACH_IOMMUFD_PT_PT_ID, ioas);
        ioctl(devfd, Uapi.VFIO_DEVICE_ATTACH_IOMMUFD_PT, attach, "VFIO_DEVICE_ATTACH_IOMMUFD_PT", device.cdevNode());
        fds.deviceFd = devfd;
    }

    private void openGroup(LinuxDevice device, OpenFds fds) throws StepFailed {
        int container = openNode(roots.container());
        fds.push(container);
        int group = openNode(device.groupNode());
        fds.push(group);

        Memory status = new Memory(Uapi.SIZEOF_VFIO_GROUP_STATUS);
        status.clear();
        status.setInt(Uapi.VFIO_GROUP_STATUS_ARGSZ, Uapi.SIZEOF_VFIO_GROUP_STATUS);
        ioctl(group, Uapi.VFIO_GROUP_GET_STATUS, status, "VFIO_GROUP_GET_STATUS", device.groupNode());
        if ((status.getInt(Uapi.VFIO_GROUP_STATUS_FLAGS) & Uapi.VFIO_GROUP_FLAGS_VIABLE) == 0) {
            throw new StepFailed(0, "VFIO_GROUP_GET_STATUS", device.groupNode(), false);
        }

        Memory containerFd = new Memory(4);
        containerFd.setInt(0, container);
        ioctl(group, Uapi.VFIO_GROUP_SET_CONTAINER, containerFd, "VFIO_GROUP_SET_CONTAINER", device.groupNode());
        int type = device.noiommu() ? Uapi.VFIO_NOIOMMU_IOMMU : Uapi.VFIO_TYPE1v2_IOMMU;
        try {
            LibC.ioctl(container, Uapi.VFIO_SET_IOMMU, LibC.value(type));
        } catch (LastErrorException e) {
            throw new StepFailed(e.getErrorCode(), "VFIO_SET_IOMMU " + (device.noiommu()
                    ? "VFIO_NOIOMMU_IOMMU" : "VFIO_TYPE1v2_IOMMU"), roots.container(), false);
        }

        Memory name = new Memory(device.id().length() + 1L);
        name.setString(0, device.id(), "US-ASCII");
        try {
            int devfd = LibC.ioctl(group, Uapi.VFIO_GROUP_GET_DEVICE_FD, name);
            fds.push(devfd);
            fds.deviceFd = devfd;
        } catch (LastErrorException e) {
            throw new StepFailed(e.getErrorCode(), "VFIO_GROUP_GET_DEVICE_FD", device.groupNode(), false);
        }
    }

    private static int openNode(Path node) throws StepFailed {
        try {
            return LibC.open(node.toString(), O_RDWR | O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new StepFailed(e.getErrorCode(), "open " + node, node, true);
        }
    }

    private static void ioctl(int fd, long request, Memory arg, String call, Path node) throws StepFailed {
        try {
            LibC.ioctl(fd, request, arg);
        } catch (LastErrorException e) {
            throw new StepFailed(e.getErrorCode(), call, node, false);
        }
    }

    private static VfioError busy(ProcOwners owners, StepFailed f, LinuxDevice device,
            Optional<ProcOwners.Holding> holder) {
        return VfioErrors.busy(f.call, device.id(), f.node, holder, owners.candidates(device.info().driver()),
                owners.seesEveryProcess());
    }

    private VfioError explain(LinuxDevice device, StepFailed f) {
        String id = device.id();
        if (f.errno == 0) {
            return new VfioError(0, f.call, id, "IOMMU group " + device.info().iommuGroup() + " is not viable: "
                    + "bind every device in /sys/kernel/iommu_groups/" + device.info().iommuGroup()
                    + "/devices to vfio-pci, or unbind it from its driver");
        }
        // Looked up after our own fds are closed, so that a holder found is someone else (or
        // another session of this process).
        ProcOwners owners = ProcOwners.scan(roots.proc(), roots.dev().resolve("vfio"));
        Optional<ProcOwners.Holding> holder = owners.holderOf(id, device.cdevNode(), device.groupNode());
        if (f.open && f.errno != Errno.EBUSY.number()) {
            return VfioErrors.open(f.errno, f.node, id);
        }
        // The cdev route allows one opener: vfio_df_open() answers EINVAL, not EBUSY, to a second
        // BIND_IOMMUFD; a holder found in /proc tells that case from a malformed call.
        if (f.errno == Errno.EINVAL.number() && f.call.equals("VFIO_DEVICE_BIND_IOMMUFD") && holder.isPresent()) {
            VfioError busy = busy(owners, f, device, holder);
            return new VfioError(busy.errno(), busy.call(), id, busy.message()
                    + " (the kernel answers EINVAL to a second VFIO_DEVICE_BIND_IOMMUFD: one cdev opener at a time)");
        }
        if (f.errno == Errno.EBUSY.number()) {
            return busy(owners, f, device, holder);
        }
        return VfioErrors.call(f.errno, f.call, id, false);
    }
}
