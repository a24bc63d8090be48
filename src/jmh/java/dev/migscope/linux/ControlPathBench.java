package dev.migscope.linux;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.migscope.device.DeviceSession;
import dev.migscope.fsm.MigState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The control path on a real device (run in the rig, beside benchmarks/c/control.c on the same
 * mtty device): SET RUNNING_P2P + SET RUNNING round trips and GET MIG_DEVICE_STATE through
 * {@link LinuxDeviceSession}, opened as {@link LinuxBackend#open} does (same package, so the
 * device fd is at hand for the variants). The variant {@code raw} makes the same ioctls through
 * {@link LibC} with one reused argument buffer, its fields written through a direct ByteBuffer
 * view as the session does: what the JNA call alone costs, to tell the binding's cost from the
 * session method's own. The variant {@code jni} makes them through {@link JniShim} (a plain JNI
 * native, benchmarks only, -Dmigscope.jnishim=PATH) on the same buffer: the cost without JNA.
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
            int size = Uapi.SIZEOF_VFIO_DEVICE_FEATURE + Uapi.SIZEOF_VFIO_DEVICE_FEATURE_MIG_STATE;
            Memory arg = new Memory(size);
            ByteBuffer b = arg.getByteBuffer(0, size).order(ByteOrder.nativeOrder());
            long address = Pointer.nativeValue(arg);
            for (int i = 0; i < warmup; i++) {
                sessionRoundTrip(session);
                session.getState();
                rawSet(fd, arg, b, MigState.RUNNING_P2P);
                rawSet(fd, arg, b, MigState.RUNNING);
                rawGet(fd, arg, b);
                jniSet(fd, address, b, MigState.RUNNING_P2P);
                jniSet(fd, address, b, MigState.RUNNING);
                jniGet(fd, address, b);
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
                rawSet(fd, arg, b, MigState.RUNNING_P2P);
                rawSet(fd, arg, b, MigState.RUNNING);
            }
            long t3 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sink += rawGet(fd, arg, b);
            }
            long t4 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                jniSet(fd, address, b, MigState.RUNNING_P2P);
                jniSet(fd, address, b, MigState.RUNNING);
            }
            long t5 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sink += jniGet(fd, address, b);
            }
            long t6 = System.nanoTime();
            System.out.printf("roundtrip_ns=%d get_ns=%d raw_roundtrip_ns=%d raw_get_ns=%d jni_roundtrip_ns=%d"
                    + " jni_get_ns=%d sink=%d%n", (t1 - t0) / n, (t2 - t1) / n, (t3 - t2) / n, (t4 - t3) / n,
                    (t5 - t4) / n, (t6 - t5) / n, sink);
        }
    }

    private static void sessionRoundTrip(DeviceSession s) throws Exception {
        s.setState(MigState.RUNNING_P2P);
        s.setState(MigState.RUNNING);
    }

    private static void setArg(ByteBuffer b, MigState target) {
        b.putInt(Uapi.VFIO_DEVICE_FEATURE_ARGSZ, Uapi.SIZEOF_VFIO_DEVICE_FEATURE + Uapi.SIZEOF_VFIO_DEVICE_FEATURE_MIG_STATE);
        b.putInt(Uapi.VFIO_DEVICE_FEATURE_FLAGS, Uapi.VFIO_DEVICE_FEATURE_SET | Uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE);
        b.putInt(Uapi.VFIO_DEVICE_FEATURE_DATA + Uapi.VFIO_DEVICE_FEATURE_MIG_STATE_DEVICE_STATE, target.abi());
        b.putInt(Uapi.VFIO_DEVICE_FEATURE_DATA + Uapi.VFIO_DEVICE_FEATURE_MIG_STATE_DATA_FD, -1);
    }

    private static void getArg(ByteBuffer b) {
        b.putInt(Uapi.VFIO_DEVICE_FEATURE_ARGSZ, Uapi.SIZEOF_VFIO_DEVICE_FEATURE + Uapi.SIZEOF_VFIO_DEVICE_FEATURE_MIG_STATE);
        b.putInt(Uapi.VFIO_DEVICE_FEATURE_FLAGS, Uapi.VFIO_DEVICE_FEATURE_GET | Uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE);
    }

    private static void rawSet(int fd, Memory m, ByteBuffer b, MigState target) {
        setArg(b, target);
        LibC.ioctl(fd, Uapi.VFIO_DEVICE_FEATURE, m);
    }

    private static int rawGet(int fd, Memory m, ByteBuffer b) {
        getArg(b);
        LibC.ioctl(fd, Uapi.VFIO_DEVICE_FEATURE, m);
        return b.getInt(Uapi.VFIO_DEVICE_FEATURE_DATA + Uapi.VFIO_DEVICE_FEATURE_MIG_STATE_DEVICE_STATE);
    }

    private static void jniSet(int fd, long address, ByteBuffer b, MigState target) {
        setArg(b, target);
        if (JniShim.ioctl(fd, Uapi.VFIO_DEVICE_FEATURE, address) < 0) {
            throw new IllegalStateException("SET MIG_DEVICE_STATE failed");
        }
    }

    private static int jniGet(int fd, long address, ByteBuffer b) {
        getArg(b);
        if (JniShim.ioctl(fd, Uapi.VFIO_DEVICE_FEATURE, address) < 0) {
            throw new IllegalStateException("GET MIG_DEVICE_STATE failed");
        }
        return b.getInt(Uapi.VFIO_DEVICE_FEATURE_DATA + Uapi.VFIO_DEVICE_FEATURE_MIG_STATE_DEVICE_STATE);
    }
}
