package dev.migscope.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The few libc calls the backend makes, bound by JNA direct mapping (Native.register): no proxy
 * and no reflection per call, because ioctl, read, write and poll sit on the session's hot path
 * (a RUNNING<->RUNNING_P2P round trip is about a microsecond in the kernel). Each throws
 * {@link LastErrorException} carrying errno when the call returns -1.
 */
final class LibC {

    static {
        Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private LibC() {
    }

    static native int open(String path, int flags) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    /** An ioctl entry point: the kernel's, or a test's recorder in front of it. */
    @FunctionalInterface
    interface Ioctl {
        int ioctl(int fd, long request, Pointer arg) throws LastErrorException;
    }

    /** The kernel's ioctl, bound in its own class so that {@link #ioctl} can be intercepted. */
    private static final class Kernel {
        static {
            Native.register(Kernel.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        }

        static native int ioctl(int fd, long request, Pointer arg) throws LastErrorException;
    }

    /**
     * Where every ioctl goes. The one seam under the JNA calls: the safety test puts a recorder
     * here to prove which requests reach a device; nothing else sets it.
     */
    static volatile Ioctl ioctls = Kernel::ioctl;

    /** {@code ioctl(fd, request, arg)}: arg is a struct pointer, or an integer disguised as one. */
    static int ioctl(int fd, long request, Pointer arg) throws LastErrorException {
        return ioctls.ioctl(fd, request, arg);
    }

    static native long read(int fd, Pointer buf, long count) throws LastErrorException;

    static native long write(int fd, Pointer buf, long count) throws LastErrorException;

    static native int poll(Pointer fds, int nfds, int timeoutMillis) throws LastErrorException;

    /** An ioctl argument passed by value ({@code VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU}). */
    static Pointer value(long v) {
        return new Pointer(v);
    }

    /** Closes and ignores errors: only used while unwinding, where the first error is the one to report. */
    static void closeQuietly(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            close(fd);
        } catch (LastErrorException ignored) {
            // close(2) releases the descriptor even when it reports an error; nothing is left to undo.
        }
    }
}
