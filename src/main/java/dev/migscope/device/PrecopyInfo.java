package dev.migscope.device;

/**
 * {@code struct vfio_precopy_info} from VFIO_MIG_GET_PRECOPY_INFO on a PRE_COPY data_fd.
 *
 * @param initialBytes bytes of the initial state still to read; it never grows while data is read
 * @param dirtyBytes   bytes of state dirtied since, still to read
 */
public record PrecopyInfo(long initialBytes, long dirtyBytes) {
    /** What QEMU calls pending: initial + dirty. */
    public long pendingBytes() {
        return initialBytes + dirtyBytes;
    }
}
