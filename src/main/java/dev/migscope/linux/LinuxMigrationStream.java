package dev.migscope.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.migscope.device.Errno;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/** A data_fd the kernel returned from a SET of MIG_DEVICE_STATE. */
final class LinuxMigrationStream implements MigrationStream {

    private final int fd;
    private final String deviceId;
    private final Consumer<LinuxMigrationStream> onClose;
    private final Memory pollFd = new Memory(Uapi.SIZEOF_POLLFD);
    private final Memory precopy = new Memory(Uapi.SIZEOF_VFIO_PRECOPY_INFO);
    /** Reused for heap buffers, which the kernel cannot be handed directly. */
    private Memory scratch;
    private long transferred;
    private boolean closed;

    LinuxMigrationStream(int fd, String deviceId, Consumer<LinuxMigrationStream> onClose) {
        this.fd = fd;
        this.deviceId = deviceId;
        this.onClose = onClose;
    }

    @Override
    public int fd() {
        return fd;
    }

    @Override
    public int read(ByteBuffer dst) throws VfioException {
        ensureOpen("read(data_fd)");
        int want = dst.remaining();
        if (want == 0) {
            return 0;
        }
        boolean direct = dst.isDirect();
        Pointer buf = direct ? Native.getDirectBufferPointer(dst).share(dst.position()) : scratch(want);
        long n;
        try {
            n = LibC.read(fd, buf, want);
        } catch (LastErrorException e) {
            // PRE_COPY's temporary end of stream (vfio.h: "the kernel driver should return ENOMSG"):
            // no failure, but kept apart from 0 so that a conformance run can see which the driver uses.
            if (e.getErrorCode() == Errno.ENOMSG.number()) {
                return MigrationStream.ENOMSG;
            }
            throw new VfioException(VfioErrors.call(e.getErrorCode(), "read(data_fd " + fd + ")", deviceId, false));
        }
        if (n > 0) {
            if (direct) {
                dst.position(dst.position() + (int) n);
            } else {
                dst.put(buf.getByteArray(0, (int) n));
            }
            transferred += n;
        }
        return (int) n;
    }

    @Override
    public boolean poll(long timeoutMillis) throws VfioException {
        ensureOpen("poll(data_fd)");
        pollFd.clear();
        pollFd.setInt(Uapi.POLLFD_FD, fd);
        pollFd.setShort(Uapi.POLLFD_EVENTS, (short) Uapi.POLLIN);
        int timeout = (int) Math.min(Math.max(timeoutMillis, 0), Integer.MAX_VALUE);
        try {
            // POLLHUP/POLLERR count as ready too: the next read() reports what happened.
            return LibC.poll(pollFd, 1, timeout) > 0;
        } catch (LastErrorException e) {
            throw new VfioException(VfioErrors.call(e.getErrorCode(), "poll(data_fd " + fd + ")", deviceId, false));
        }
    }

    @Override
    public int write(ByteBuffer src) throws VfioException {
        ensureOpen("write(data_fd)");
        int len = src.remaining();
        if (len == 0) {
            return 0;
        }
        Pointer buf;
        if (src.isDirect()) {
            buf = Native.getDirectBufferPointer(src).share(src.position());
        } else {
            byte[] bytes = new byte[len];
            src.duplicate().get(bytes);
            buf = scratch(len);
            buf.write(0, bytes, 0, len);
        }
        long n;
        try {
            n = LibC.write(fd, buf, len);
        } catch (LastErrorException e) {
            throw new VfioException(VfioErrors.call(e.getErrorCode(), "write(data_fd " + fd + ")", deviceId, false));
        }
        src.position(src.position() + (int) n);
        transferred += n;
        return (int) n;
    }

    @Override
    public PrecopyInfo precopyInfo(int flagsIn) throws VfioException {
        ensureOpen("VFIO_MIG_GET_PRECOPY_INFO");
        precopy.clear();
        precopy.setInt(Uapi.VFIO_PRECOPY_INFO_ARGSZ, Uapi.SIZEOF_VFIO_PRECOPY_INFO);
        precopy.setInt(Uapi.VFIO_PRECOPY_INFO_FLAGS, flagsIn);
        try {
            LibC.ioctl(fd, Uapi.VFIO_MIG_GET_PRECOPY_INFO, precopy);
        } catch (LastErrorException e) {
            int errno = e.getErrorCode();
            VfioError err = errno == Errno.EINVAL.number()
                    ? VfioError.of(Errno.EINVAL, "VFIO_MIG_GET_PRECOPY_INFO", deviceId,
                            "valid only in PRE_COPY and PRE_COPY_P2P; re-read the state")
                    : VfioErrors.call(errno, "VFIO_MIG_GET_PRECOPY_INFO", deviceId, false);
            throw new VfioException(err);
        }
        // Drivers before 7.1 (and any without the opt-in) echo the flags that went in.
        return new PrecopyInfo(precopy.getLong(Uapi.VFIO_PRECOPY_INFO_INITIAL_BYTES),
                precopy.getLong(Uapi.VFIO_PRECOPY_INFO_DIRTY_BYTES), precopy.getInt(Uapi.VFIO_PRECOPY_INFO_FLAGS));
    }

    @Override
    public long bytesTransferred() {
        return transferred;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.closeQuietly(fd);
            onClose.accept(this);
        }
    }

    private Pointer scratch(int size) {
        if (scratch == null || scratch.size() < size) {
            scratch = new Memory(size);
        }
        return scratch;
    }

    private void ensureOpen(String call) throws VfioException {
        if (closed) {
            throw new VfioException(VfioError.of(Errno.EBADF, call, deviceId, "the data_fd was closed"));
        }
    }
}
