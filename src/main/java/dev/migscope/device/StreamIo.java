package dev.migscope.device;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The data_fd's read and write loops, as QEMU runs them: a chunk of at most {@link #CHUNK} bytes
 * at a time through one page-aligned buffer. Used from one thread, as the stream itself is.
 */
public final class StreamIo {

    /** QEMU reads up to 1 MiB per iteration (hw/vfio/migration.c); migscope reads and writes the same. */
    public static final int CHUNK = 1 << 20;

    private final String deviceId;
    private final ByteBuffer buffer = MigrationStream.alignedBuffer(CHUNK);

    /** @param deviceId the device the streams belong to, for the errors this raises */
    public StreamIo(String deviceId) {
        this.deviceId = deviceId;
    }

    /** What to do with each chunk a loop moved. */
    @FunctionalInterface
    public interface ChunkSink {
        /**
         * @param chunk the bytes just read, or just written (position 0 to limit)
         * @return false to stop the loop after this chunk
         */
        boolean accept(ByteBuffer chunk) throws IOException;
    }

    /** Why a loop stopped. */
    public enum End {
        /** read() returned 0: the end of the stream in STOP_COPY, a temporary end in PRE_COPY; or all was written. */
        END,
        /** read() failed with ENOMSG: PRE_COPY's temporary end (vfio.h forbids it in STOP_COPY). */
        ENOMSG,
        /** The byte limit was reached before any end. */
        LIMIT,
        /** The sink asked to stop. */
        STOPPED,
        /** A read or write failed: see {@link Transfer#error()}. */
        ERROR
    }

    /**
     * What a loop moved and why it stopped.
     *
     * @param error the failed read or write when {@code end} is {@link End#ERROR}, else null
     */
    public record Transfer(long bytes, End end, VfioException error) {
    }

    /**
     * Reads up to one chunk; the bytes read are then {@link #chunk()}.
     *
     * @return as {@link MigrationStream#read}: the bytes read, 0, or {@link MigrationStream#ENOMSG}
     */
    public int read(MigrationStream stream) throws VfioException {
        buffer.clear();
        int n = stream.read(buffer);
        buffer.flip();
        return n;
    }

    /** The bytes the last {@link #read} returned (position 0 to limit). */
    public ByteBuffer chunk() {
        return buffer;
    }

    /**
     * Reads at most {@code chunk} bytes at a time ({@link #CHUNK}, unless a caller asks something
     * between smaller reads) until read() returns 0 or fails with ENOMSG, a read fails,
     * {@code limit} bytes were read, or {@code sink} says stop; hands every chunk to {@code sink}.
     *
     * @throws IOException what the sink threw
     */
    public Transfer drain(MigrationStream stream, long limit, int chunk, ChunkSink sink) throws IOException {
        long total = 0;
        while (total < limit) {
            buffer.clear().limit((int) Math.min(Math.min(chunk, CHUNK), limit - total));
            int n;
            try {
                n = stream.read(buffer);
            } catch (VfioException e) {
                return new Transfer(total, End.ERROR, e);
            }
            if (n == 0 || n == MigrationStream.ENOMSG) {
                return new Transfer(total, n == 0 ? End.END : End.ENOMSG, null);
            }
            total += n;
            if (!sink.accept(buffer.flip())) {
                return new Transfer(total, End.STOPPED, null);
            }
        }
        return new Transfer(total, End.LIMIT, null);
    }

    /**
     * Writes {@code length} bytes of {@code in}, from {@code offset}, to a resuming data_fd, a chunk
     * at a time; hands every chunk written to {@code after}.
     *
     * @return the bytes written: all of them ({@link End#END}), those before {@code after} said stop,
     *         or those before a write failed or the driver accepted nothing
     * @throws IOException reading {@code in} failed, or it ended before {@code length} bytes
     */
    public Transfer write(MigrationStream stream, FileChannel in, long offset, long length, ChunkSink after)
            throws IOException {
        long written = 0;
        while (written < length) {
            buffer.clear().limit((int) Math.min(CHUNK, length - written));
            int n = in.read(buffer, offset + written);
            if (n <= 0) {
                throw new EOFException("it ended after " + written + " of its " + length
                        + " bytes of device data: it changed while it was being written to the device");
            }
            buffer.flip();
            while (buffer.hasRemaining()) {
                int w;
                try {
                    w = stream.write(buffer);
                } catch (VfioException e) {
                    return new Transfer(written, End.ERROR, e);
                }
                if (w <= 0) {
                    // Offering the same bytes again would spin forever.
                    return new Transfer(written, End.ERROR, new VfioException(VfioError.of(Errno.EIO,
                            VfioCall.WRITE_DATA_FD.text(), deviceId, "the driver accepted none of the "
                                    + buffer.remaining() + " bytes offered after " + written
                                    + "; the device did not receive the whole stream")));
                }
                written += w;
            }
            if (!after.accept(buffer.flip())) {
                return new Transfer(written, written < length ? End.STOPPED : End.END, null);
            }
        }
        return new Transfer(written, End.END, null);
    }
}
