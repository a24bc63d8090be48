package dev.migscope.device;

import java.nio.ByteBuffer;

/**
 * The data_fd a SET of MIG_DEVICE_STATE returned: the saving side is read, the resuming side is
 * written. Used only from the session's device thread.
 */
public interface MigrationStream extends AutoCloseable {

    /** The file descriptor number (simulated devices number theirs too), for the event log. */
    int fd();

    /**
     * What {@link #read} returns when the driver's read() failed with ENOMSG: the driver's own
     * {@code -ENOMSG}, as a kernel read handler returns it. vfio.h gives ENOMSG one meaning, PRE_COPY's
     * temporary end of stream ("the kernel driver should return ENOMSG from read()"), and forbids it
     * in STOP_COPY ("ENOMSG may not be returned in STOP_COPY"), while drivers such as mtty signal the
     * same temporary end with 0. A return value rather than a {@link VfioException} (it is no failure
     * in PRE_COPY) or a result type (every caller but the conformance run treats it like 0): readers
     * that only need "no data now" test {@code n <= 0}; a conformance check tells the two apart.
     * Negative, so it can never be taken for a byte count.
     */
    int ENOMSG = -42;

    /**
     * Reads up to {@code dst.remaining()} bytes.
     *
     * @return the bytes read; 0 when the driver's read() returned 0: the end of the stream in
     *         STOP_COPY, a temporary end in PRE_COPY; {@link #ENOMSG} when it failed with ENOMSG
     *         (a temporary end in PRE_COPY, a driver bug in STOP_COPY). Either way {@code dst} is unchanged.
     */
    int read(ByteBuffer dst) throws VfioException;

    /** Waits up to {@code timeoutMillis} for data to read; true when some may be read. */
    boolean poll(long timeoutMillis) throws VfioException;

    /** Writes resume data; returns the bytes the driver accepted. */
    int write(ByteBuffer src) throws VfioException;

    /**
     * VFIO_MIG_GET_PRECOPY_INFO: valid in PRE_COPY and PRE_COPY_P2P only (EINVAL elsewhere). The
     * struct's flags go in as 0, so a driver that echoes them (allowed without the PRECOPY_INFOv2
     * opt-in, "reserved for bug-compatibility reasons") gives 0 back.
     */
    default PrecopyInfo precopyInfo() throws VfioException {
        return precopyInfo(0);
    }

    /**
     * VFIO_MIG_GET_PRECOPY_INFO with {@code flagsIn} in the struct's flags on the way in. Only the
     * conformance run passes anything but 0: after the opt-in the kernel zeroes the flags before the
     * driver fills them (vfio_check_precopy_ioctl), so bits that come back as they went in show a
     * driver that echoes them.
     */
    PrecopyInfo precopyInfo(int flagsIn) throws VfioException;

    /**
     * A direct buffer of {@code size} bytes starting on a page boundary, as dd's is: what every
     * data_fd read and write goes through. The kernel copied into allocateDirect's own buffer
     * (malloc puts it 16 bytes into a page) at a third of dd's speed here; docs/BENCHMARKS.md has
     * the measurement. The stream reader's buffer is one too.
     */
    public static ByteBuffer alignedBuffer(int size) {
        int page = 4096;
        ByteBuffer b = ByteBuffer.allocateDirect(size + page - 1);
        int start = (page - b.alignmentOffset(0, page)) % page;
        return b.position(start).limit(start + size).slice();
    }

    /** Total bytes read from or written to this stream. */
    long bytesTransferred();

    @Override
    void close();
}
