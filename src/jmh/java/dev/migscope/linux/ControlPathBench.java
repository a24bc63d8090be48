package dev.migscope.linux;

import com.sun.jna.Memory;
import dev.migscope.device.DeviceSession;
import dev.migscope.fsm.MigState;

/**
 * The control path on a real device (run in the rig, beside benchmarks/c/control.c on the same
 * mtty device): SET RUNNING_P2P + SET RUNNING round trips and GET MIG_DEVICE_STATE through
 * {@link LinuxDeviceSession}, opened as {@link LinuxBackend#open} does (same package, so the
 * device fd is at hand for the variant). The variant {@code raw} makes the same ioctls through
 * {@link LibC} with one reused argument buffer: what the JNA call alone costs, to tell the
 * binding's cost from the session method's own (argument allocation, call name).
 * Usage: ControlPathBench UUID ITERATIONS WARMUP_ITERATIONS
 */
public final class ControlPathBench {

    private ControlPathBench() {
    }

    public static void main(String[] args) throws Exception {
        String id = args[0];
        int n = Integer.parseInt(args[1]);
        int warmup = Integer.parseInt(args[2]);
        LinuxRoots roots = LinuxRoots.system();
        LinuxDevice device = new SysfsScanner(roots, SysfsScanner::mayOpen).scan().stream()
                .filter(d -> d.id().equals(id)).findFirst().orElseThrow();
        DeviceOpener.OpenFds fds = new DeviceOpener(roots).open(device);
        try (DeviceSession session = new LinuxDeviceSession(device.info(), fds)) {
            int fd = fds.deviceFd();
            Memory arg = new Memory(Uapi.SIZEOF_VFIO_DEVICE_FEATURE + Uapi.SIZEOF_VFIO_DEVICE_FEATURE_MIG_STATE);
            for (int i = 0; i < warmup; i++) {
                sessionRoundTrip(session);
                session.getState();
                rawSet(fd, arg, MigState.RUNNING_P2P);
                rawSet(fd, arg, MigState.RUNNING);
                rawGet(fd, arg);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sessionRoundTrip(session);
            }
            long t1 = System.nanoTime();
            int sink = 0;
            for (int i = 0; i < n; i++) {
                sink += session.getState().abi();
            }
            long t2 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                rawSet(fd, arg, MigState.RUNNING_P2P);
                rawSet(fd, arg, MigState.RUNNING);
            }
            long t3 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sink += rawGet(fd, arg);
            }
            long t4 = System.nanoTime();
            System.out.printf("roundtrip_ns=%d get_ns=%d raw_roundtrip_ns=%d raw_get_ns=%d sink=%d%n",
                    (t1 - t0) / n, (t2 - t1) / n, (t3 - t2) / n, (t4 - t3) / n, sink);
        }
    }

    private static void sessionRoundTrip(DeviceSession s) throws Exception {
        s.setState(MigState.RUNNING_P2P);
        s.setState(MigState.RUNNING);
    }

    private static void rawSet(int fd, Memory m, MigState target) {
        m.setInt(Uapi.VFIO_DEVICE_FEATURE_ARGSZ, Uapi.SIZEOF_VFIO_DEVICE_FEATURE + Uapi.SIZEOF_VFIO_DEVICE_FEATURE_MIG_STATE);
        m.setInt(Uapi.VFIO_DEVICE_FEATURE_FLAGS, Uapi.VFIO_DEVICE_FEATURE_SET | Uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE);
        m.setInt(Uapi.VFIO_DEVICE_FEATURE_DATA + Uapi.VFIO_DEVICE_FEATURE_MIG_STATE_DEVICE_STATE, target.abi());
        m.setInt(Uapi.VFIO_DEVICE_FEATURE_DATA + Uapi.VFIO_DEVICE_FEATURE_MIG_STATE_DATA_FD, -1);
        LibC.ioctl(fd, Uapi.VFIO_DEVICE_FEATURE, m);
    }

    private static int rawGet(int fd, Memory m) {
        m.setInt(Uapi.VFIO_DEVICE_FEATURE_ARGSZ, Uapi.SIZEOF_VFIO_DEVICE_FEATURE + Uapi.SIZEOF_VFIO_DEVICE_FEATURE_MIG_STATE);
        m.setInt(Uapi.VFIO_DEVICE_FEATURE_FLAGS, Uapi.VFIO_DEVICE_FEATURE_GET | Uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE);
        LibC.ioctl(fd, Uapi.VFIO_DEVICE_FEATURE, m);
        return m.getInt(Uapi.VFIO_DEVICE_FEATURE_DATA + Uapi.VFIO_DEVICE_FEATURE_MIG_STATE_DEVICE_STATE);
    }
}
