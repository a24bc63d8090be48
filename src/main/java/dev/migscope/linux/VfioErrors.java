package dev.migscope.linux;

import dev.migscope.device.Errno;
import dev.migscope.device.Owner;
import dev.migscope.device.VfioCall;
import dev.migscope.device.VfioError;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Turns an errno from a vfio call into a sentence the user can act on. The sentences name what
 * the user can change: the process holding the device, the file and the permission to grant,
 * the driver that lacks migration.
 */
final class VfioErrors {

    /** The feature whose ENOTTY and EINVAL mean "kernel before 7.1" and "no PRE_COPY". */

    private VfioErrors() {
    }

    /** Opening a node failed (EBUSY has its own sentence: {@link #busy}). */
    static VfioError open(int errno, Path node, String deviceId) {
        String call = "open " + node;
        if (errno == Errno.EACCES.number() || errno == Errno.EPERM.number()) {
            return new VfioError(errno, call, deviceId, permission(node, errno == Errno.EPERM.number()));
        }
        if (errno == Errno.ENOENT.number()) {
            return new VfioError(errno, call, deviceId, node + " does not exist: load the vfio modules "
                    + "(modprobe vfio-pci) and check that the device is still bound to a vfio driver");
        }
        return common(errno, call, deviceId);
    }

    /**
     * The device is held: name who holds it, or say why nobody could be named.
     *
     * @param node             the node the failed call was on
     * @param holder           the process /proc shows holding the device, if any
     * @param candidates       sentences about processes that may hold it ({@link ProcOwners#candidates})
     * @param seesEveryProcess this process is root: a holder it cannot see is in another PID namespace
     */
    static VfioError busy(String call, String deviceId, Path node, Optional<ProcOwners.Holding> holder,
            List<String> candidates, boolean seesEveryProcess) {
        if (holder.isPresent()) {
            Owner o = holder.get().owner();
            return VfioError.of(Errno.EBUSY, call, deviceId, "held open by " + o.command() + " (pid " + o.pid()
                    + ") through " + holder.get().through() + "; close it in that process (or stop it) before "
                    + "opening it here");
        }
        StringBuilder why = new StringBuilder("another process holds " + node
                + " or the device, but /proc shows no process holding its group node, cdev or device fd");
        why.append(seesEveryProcess
                ? " (a process in another PID namespace, such as a container's, is invisible here)"
                : " that this user can see (run as root to see other users' processes)");
        if (!candidates.isEmpty()) {
            why.append("; ").append(String.join("; ", candidates));
        }
        return VfioError.of(Errno.EBUSY, call, deviceId, why.toString());
    }

    /** The sentence for a node this user may not open read-write. */
    static String permission(Path node, boolean needsRawIo) {
        if (needsRawIo) {
            return "no-IOMMU group " + node + " needs CAP_SYS_RAWIO: run as root (no-IOMMU mode gives the "
                    + "device unchecked DMA, so no udev rule can grant it)";
        }
        return "cannot open " + node + " read-write: add yourself to group vfio or install the udev rule: "
                + udevRule(node);
    }

    /** A udev rule that makes {@code node} group-vfio read-write. */
    static String udevRule(Path node) {
        String name = node.getFileName().toString();
        String match;
        if (name.equals("iommu")) {
            match = "KERNEL==\"iommu\"";
        } else if (name.equals("vfio")) {
            match = "KERNEL==\"vfio\"";
        } else if (node.getParent() != null && node.getParent().getFileName() != null
                && node.getParent().getFileName().toString().equals("devices")) {
            match = "SUBSYSTEM==\"vfio-dev\"";
        } else {
            match = "SUBSYSTEM==\"vfio\"";
        }
        return match + ", GROUP=\"vfio\", MODE=\"0660\"";
    }

    /**
     * A failed ioctl or read/write on an open device or data_fd.
     *
     * @param setState the call was a SET of MIG_DEVICE_STATE, where EINVAL is the driver's refusal
     */
    static VfioError call(int errno, String call, String deviceId, boolean setState) {
        if (setState && errno == Errno.EINVAL.number()) {
            return VfioError.of(Errno.EINVAL, call, deviceId, "the driver refused the transition; "
                    + "the state is unknown until re-read (GET MIG_DEVICE_STATE)");
        }
        return common(errno, call, deviceId);
    }

    private static VfioError common(int errno, String call, String deviceId) {
        Optional<Errno> known = Errno.of(errno);
        if (known.isEmpty()) {
            return new VfioError(errno, call, deviceId, "errno " + errno + " is not one vfio documents");
        }
        String message = switch (known.get()) {
            case ENOTTY -> isPrecopyInfoV2(call)
                    ? "the kernel predates Linux 7.1, which added VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2: "
                            + "PRECOPY_INFO reports no flags (no REINIT) here"
                    : VfioCall.named(call).filter(VfioCall::isDeviceFeature).isPresent()
                    ? "the device has no migration support (its driver implements no vfio migration ops)"
                    : "the file does not know this vfio ioctl: it is not the node vfio created, or the kernel "
                            + "predates the call";
            case ENODEV -> "the device is gone (unplugged, or unbound from its vfio driver): list devices again";
            case EBUSY -> "the device or its group is in use";
            case EACCES, EPERM -> "permission denied: run as a user in group vfio, or as root for no-IOMMU devices";
            case EINVAL -> isPrecopyInfoV2(call)
                    ? "the device has no PRE_COPY: the kernel accepts the PRECOPY_INFOv2 opt-in only from a "
                            + "device with VFIO_MIGRATION_PRE_COPY"
                    : "the kernel rejected the arguments in this state";
            case EFAULT -> "the driver rejected the data (mtty, for one, answers EFAULT to a stream whose "
                    + "header does not match the device)";
            case ENOMEM -> "the driver refused the size (more data than the device state holds, or out of memory)";
            case EIO -> "the device failed the operation";
            // vfio_ioctl_device_feature_logging_report's iova_bitmap_alloc() is a stub returning
            // -EOPNOTSUPP unless something selected IOMMUFD_DRIVER.
            case EOPNOTSUPP -> call.equals(VfioCall.GET_DMA_LOGGING_REPORT.text())
                    ? "this kernel cannot hand out dirty bitmaps: it was built without CONFIG_IOMMUFD_DRIVER "
                            + "(iova_bitmap), which only dirty-tracking drivers select (intel/amd/arm-smmu-v3 IOMMU "
                            + "with IOMMUFD, mlx5_vfio_pci, pds_vfio_pci, or IOMMUFD_TEST)"
                    : known.get().strerror();
            default -> known.get().strerror();
        };
        return new VfioError(errno, call, deviceId, message);
    }

    private static boolean isPrecopyInfoV2(String call) {
        return VfioCall.named(call).filter(c -> c == VfioCall.PROBE_MIG_PRECOPY_INFO_V2
                || c == VfioCall.SET_MIG_PRECOPY_INFO_V2).isPresent();
    }
}
