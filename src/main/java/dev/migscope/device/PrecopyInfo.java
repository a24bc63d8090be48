package dev.migscope.device;

/**
 * {@code struct vfio_precopy_info} from VFIO_MIG_GET_PRECOPY_INFO on a PRE_COPY data_fd.
 *
 * @param initialBytes bytes of the initial state still to read; it grows again only after a
 *                     {@link #reinit() REINIT}
 * @param dirtyBytes   bytes of state dirtied since, still to read
 * @param flags        the output flags (Linux 7.1+, only after the session's PRECOPY_INFOv2 opt-in;
 *                     before it the field is reserved and reads 0 here)
 */
public record PrecopyInfo(long initialBytes, long dirtyBytes, int flags) {

    /** VFIO_PRECOPY_INFO_REINIT (1 << 0): new initial data is on the stream. */
    public static final int REINIT = 1;

    /** Without flags: what a kernel before 7.1, or one the session did not opt in to, reports. */
    public PrecopyInfo(long initialBytes, long dirtyBytes) {
        this(initialBytes, dirtyBytes, 0);
    }

    /** What QEMU calls pending: initial + dirty. */
    public long pendingBytes() {
        return initialBytes + dirtyBytes;
    }

    /**
     * VFIO_PRECOPY_INFO_REINIT: the device re-initialised (reconfigured during migration, say):
     * {@link #initialBytes} counts the new initial data and {@link #dirtyBytes} restarts from 0.
     */
    public boolean reinit() {
        return (flags & REINIT) != 0;
    }
}
