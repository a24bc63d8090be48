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
     * Reads up to {@code dst.remaining()} bytes.
     *
     * @return the bytes read, or 0 when no more data is available now: the end of the stream in
     *         STOP_COPY, a temporary end in PRE_COPY (the kernel's read() returned 0 or -ENOMSG)
     */
    int read(ByteBuffer dst) throws VfioException;

    /** Waits up to {@code timeoutMillis} for data to read; true when some may be read. */
    boolean poll(long timeoutMillis) throws VfioException;

    /** Writes resume data; returns the bytes the driver accepted. */
    int write(ByteBuffer src) throws VfioException;

    /** VFIO_MIG_GET_PRECOPY_INFO: valid in PRE_COPY and PRE_COPY_P2P only (EINVAL elsewhere). */
    PrecopyInfo precopyInfo() throws VfioException;

    /** Total bytes read from or written to this stream. */
    long bytesTransferred();

    @Override
    void close();
}
