package dev.migscope.sim;

import dev.migscope.device.Errno;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.VfioException;

/**
 * What the saving and resuming data_fds share: the fd number, the user's close, and the driver's
 * disable (mtty_disable_file): once the driver drops its file, every later call fails ENODEV,
 * as mtty's read, write and PRECOPY_INFO do.
 */
abstract class SimStream implements MigrationStream {

    final SimDevice device;
    private final int fd;
    private boolean closed;
    private boolean disabled;
    long transferred;

    SimStream(SimDevice device, int fd) {
        this.device = device;
        this.fd = fd;
    }

    @Override
    public int fd() {
        return fd;
    }

    /** Called by the device, under its lock, when the arc or reset ends the data transfer session. */
    void disable() {
        disabled = true;
    }

    /** Under the device lock: the checks every call on the fd makes first. */
    void checkOpen(String call) throws VfioException {
        if (closed) {
            throw device.error(Errno.EBADF, call, "data_fd " + fd + " is closed; a SET that starts a new "
                    + "saving or resuming session returns a new one");
        }
        device.checkPresent(call);
        if (disabled) {
            throw device.error(Errno.ENODEV, call, "the driver ended this data transfer session (an arc left the "
                    + "saving or resuming states, or the device was reset or closed); start a new one with a SET");
        }
    }

    @Override
    public long bytesTransferred() {
        device.lock.lock();
        try {
            return transferred;
        } finally {
            device.lock.unlock();
        }
    }

    /** Closes the user's fd only: the driver keeps its reference until an arc ends the session, as in the kernel. */
    @Override
    public void close() {
        device.lock.lock();
        try {
            closed = true;
        } finally {
            device.lock.unlock();
        }
    }
}
