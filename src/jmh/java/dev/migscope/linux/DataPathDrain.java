package dev.migscope.linux;

import java.nio.ByteBuffer;

/**
 * The session's data_fd drain loop over a plain fd: a {@link LinuxMigrationStream} read into one
 * 1 MiB direct buffer until read() returns 0, as MigrationSession's STOP_COPY loop does (without
 * the file writer). The stream is built over a file (argument: its path) or stdin (argument
 * {@code -}, a pipe). Prints the bytes and the seconds of the loop alone, as dd reports its copy.
 * This class sits in dev.migscope.linux because the stream's constructor is package-private.
 */
public final class DataPathDrain {

    private DataPathDrain() {
    }

    public static void main(String[] args) throws Exception {
        int fd = args[0].equals("-") ? 0 : LibC.open(args[0], Uapi.O_CLOEXEC);
        LinuxMigrationStream stream = new LinuxMigrationStream(fd, "bench", s -> { });
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        long t0 = System.nanoTime();
        long total = 0;
        while (true) {
            chunk.clear();
            int n = stream.read(chunk);
            if (n == 0) {
                break;
            }
            total += n;
        }
        long t1 = System.nanoTime();
        stream.close();
        System.out.printf("bytes=%d seconds=%.6f%n", total, (t1 - t0) / 1e9);
    }
}
