package dev.migscope.linux;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.migscope.device.MigrationStream;
import java.nio.ByteBuffer;

/**
 * The session's data_fd drain loop over a plain fd: a {@link LinuxMigrationStream} read into one
 * 1 MiB direct buffer until read() returns 0, as MigrationSession's STOP_COPY loop does (without
 * the file writer). The stream is built over a file (SOURCE: its path) or stdin (SOURCE {@code -},
 * a pipe). Prints the bytes and the seconds of the loop alone, as dd reports its copy, and where
 * the buffer starts within its page: for a file one line a pass (PASSES passes, the first one on a
 * cold JVM), for a pipe one line every SEGMENT_MIB (the stream read in one pass).
 *
 * <p>BUFFER {@code session} is the buffer MigrationSession reads into,
 * {@link dev.migscope.device.MigrationStream#alignedBuffer} (on a page boundary, as dd's);
 * {@code malloc} is {@code ByteBuffer.allocateDirect(1 MiB)}, which malloc places 16 bytes into a
 * page: the session's buffer before the data-path fix.
 * This class sits in dev.migscope.linux because the stream's constructor is package-private.
 * Usage: DataPathDrain FILE [session|malloc] [PASSES] | DataPathDrain - [session|malloc] SEGMENT_MIB
 */
public final class DataPathDrain {

    private static final int CHUNK = 1 << 20;

    private DataPathDrain() {
    }

    public static void main(String[] args) throws Exception {
        boolean malloc = args.length > 1 && args[1].equals("malloc");
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        ByteBuffer chunk = malloc ? ByteBuffer.allocateDirect(CHUNK) : MigrationStream.alignedBuffer(CHUNK);
        long offset = Pointer.nativeValue(Native.getDirectBufferPointer(chunk)) & 4095;
        if (args[0].equals("-")) {
            drain(0, chunk, offset, (long) count << 20);
        } else {
            for (int p = 0; p < count; p++) {
                drain(LibC.open(args[0], Uapi.O_CLOEXEC), chunk, offset, Long.MAX_VALUE);
            }
        }
    }

    /** Drains fd to its end, printing a line each {@code segment} bytes and at the end. */
    private static void drain(int fd, ByteBuffer chunk, long offset, long segment) throws Exception {
        LinuxMigrationStream stream = new LinuxMigrationStream(fd, "bench", s -> { });
        long t0 = System.nanoTime();
        long total = 0;
        while (true) {
            chunk.clear();
            int n = stream.read(chunk);
            if (n == 0) {
                break;
            }
            total += n;
            if (total >= segment) {
                long t1 = System.nanoTime();
                System.out.printf("bytes=%d seconds=%.6f buffer_page_offset=%d%n", total, (t1 - t0) / 1e9, offset);
                total = 0;
                t0 = t1;
            }
        }
        long t1 = System.nanoTime();
        stream.close();
        if (total > 0) {
            System.out.printf("bytes=%d seconds=%.6f buffer_page_offset=%d%n", total, (t1 - t0) / 1e9, offset);
        }
    }
}
