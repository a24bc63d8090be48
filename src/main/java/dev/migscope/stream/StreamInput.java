package dev.migscope.stream;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * QEMU's migration stream as a big-endian byte source with a position: a file, read through a
 * window mapped from the page cache (RAM pages are skipped, never copied), or a tapped connection
 * (read into a buffer; what it skips it must read).
 * Every read names what it was reading when the stream ends early, so a cut stream is one line
 * with the offset, never an exception from deep inside.
 */
public final class StreamInput {

    private static final int BUFFER = 1 << 20;
    /** The mapped window over a file; the previous one is unmapped when the next is mapped. */
    private static final long WINDOW = 64L << 20;

    private final ReadableByteChannel channel;
    private final FileChannel file;
    /** A file's size, fixed when reading starts (a stream file is not read while it grows). */
    private final long fileSize;
    private ByteBuffer buf;
    /** Stream offset of buf's index 0. */
    private long bufStart;
    /** What the decoder is reading, for the message when the stream ends or lies. */
    private String context = "the stream header";

    /**
     * @param channel the stream; a {@link FileChannel} is read from its current position, which is
     *                offset {@code start} of the stream (a libvirt save image's header comes before)
     * @param start   the offset of the channel's position, as reported in messages
     */
    public StreamInput(ReadableByteChannel channel, long start) throws java.io.IOException {
        this.channel = channel;
        this.file = channel instanceof FileChannel f ? f : null;
        this.fileSize = file == null ? -1 : file.size();
        this.bufStart = start;
        this.buf = file == null ? ByteBuffer.allocateDirect(BUFFER) : ByteBuffer.allocate(0);
        buf.limit(0);
    }

    static String hex(long offset) {
        return "0x" + Long.toHexString(offset);
    }

    /** The offset of the next byte. */
    public long offset() {
        return bufStart + buf.position();
    }

    void context(String what) {
        this.context = what;
    }

    String context() {
        return context;
    }

    StreamException error(String message) {
        return new StreamException(offset(), message);
    }

    /** Makes {@code n} bytes available; false when the stream ends first. */
    private boolean fill(int n) throws StreamException {
        if (buf.remaining() >= n) {
            return true;
        }
        if (file != null) {
            return map(n);
        }
        bufStart += buf.position();
        buf.compact();
        try {
            while (buf.position() < n) {
                if (channel.read(buf) < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            buf.flip();
            throw error("reading " + context + " failed: " + e.getMessage());
        }
        buf.flip();
        return buf.remaining() >= n;
    }

    /** Maps the window that starts at the current offset; false when fewer than n bytes are left in the file. */
    private boolean map(int n) throws StreamException {
        long at = offset();
        long length = Math.min(WINDOW, fileSize - at);
        if (length < n) {
            // Keep what is left readable, so the caller reports the right shortfall.
            if (length > 0 && buf.remaining() != length) {
                remap(at, length);
            }
            return false;
        }
        remap(at, length);
        return true;
    }

    private void remap(long at, long length) throws StreamException {
        ByteBuffer old = buf;
        try {
            buf = file.map(FileChannel.MapMode.READ_ONLY, at, length);
        } catch (java.io.IOException e) {
            throw error("reading " + context + " failed: " + e.getMessage());
        }
        bufStart = at;
        Unmapper.unmap(old);
    }

    private void need(int n) throws StreamException {
        if (!fill(n)) {
            throw error("the stream ends in " + context + " (" + n + " more bytes expected, "
                    + buf.remaining() + " left)");
        }
    }

    /** True when no byte is left (the end of a file, or the far side closed). */
    public boolean atEnd() throws StreamException {
        return !fill(1);
    }

    /** The next byte without consuming it. */
    int peek() throws StreamException {
        need(1);
        return buf.get(buf.position()) & 0xff;
    }

    int u8() throws StreamException {
        need(1);
        return buf.get() & 0xff;
    }

    int be16() throws StreamException {
        need(2);
        return buf.getShort() & 0xffff;
    }

    /** An unsigned be32 as a long, so a lying length is never negative. */
    long be32() throws StreamException {
        need(4);
        return buf.getInt() & 0xffffffffL;
    }

    long be64() throws StreamException {
        need(8);
        return buf.getLong();
    }

    /** {@code n} bytes (callers bound n: names, small fields). */
    byte[] bytes(int n) throws StreamException {
        need(n);
        byte[] b = new byte[n];
        buf.get(b);
        return b;
    }

    /** Whether the next bytes are {@code expected} (not consumed). */
    boolean nextEquals(byte[] expected) throws StreamException {
        need(expected.length);
        int at = buf.position();
        for (int i = 0; i < expected.length; i++) {
            if (buf.get(at + i) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /** QEMU's counted string: u8 length then the bytes (section and RAM block names). */
    String string() throws StreamException {
        return new String(bytes(u8()), StandardCharsets.ISO_8859_1);
    }

    /**
     * Passes over {@code n} bytes: a file seeks past what its buffer does not hold; a connection
     * reads them. A stream that ends inside is an error naming the context.
     */
    void skip(long n) throws StreamException {
        if (n < 0) {
            throw error("negative length " + n + " in " + context);
        }
        if (n <= buf.remaining()) {
            buf.position(buf.position() + (int) n);
            return;
        }
        long target = offset() + n;
        if (file != null) {
            if (target > fileSize) {
                bufStart = fileSize;
                buf = ByteBuffer.allocate(0);
                throw new StreamException(fileSize, "the stream ends in " + context + " (" + (target - fileSize)
                        + " of " + n + " bytes missing)");
            }
            // The next read maps the window there.
            bufStart = target;
            Unmapper.unmap(buf);
            buf = ByteBuffer.allocate(0);
            return;
        }
        long left = n;
        while (left > 0) {
            if (!fill(1)) {
                throw error("the stream ends in " + context + " (" + left + " of " + n + " bytes missing)");
            }
            int step = (int) Math.min(left, buf.remaining());
            buf.position(buf.position() + step);
            left -= step;
        }
    }

    /**
     * Consumes bytes up to the first occurrence of {@code pattern} (which stays unread) and returns
     * how many were passed; at most {@code max}, else an error: a section with no end in sight.
     */
    long scanTo(byte[] pattern, long max, String what) throws StreamException {
        long start = offset();
        while (true) {
            if (!fill(pattern.length)) {
                throw error("the stream ends in " + context + " before " + what);
            }
            int last = buf.limit() - pattern.length;
            for (int i = buf.position(); i <= last; i++) {
                if (buf.get(i) == pattern[0] && matches(i, pattern)) {
                    buf.position(i);
                    return offset() - start;
                }
            }
            buf.position(last + 1);
            if (offset() - start > max) {
                throw new StreamException(start, context + " has no " + what + " within " + max
                        + " bytes: an endless or damaged section");
            }
        }
    }

    private boolean matches(int at, byte[] pattern) {
        for (int k = 1; k < pattern.length; k++) {
            if (buf.get(at + k) != pattern[k]) {
                return false;
            }
        }
        return true;
    }

    /** Hands the next {@code n} bytes to {@code sink} in chunks (extracting a device's data from a tap). */
    void copy(long n, ByteSink sink) throws StreamException {
        long left = n;
        while (left > 0) {
            if (!fill(1)) {
                throw error("the stream ends in " + context + " (" + left + " of " + n + " bytes missing)");
            }
            int step = (int) Math.min(left, buf.remaining());
            ByteBuffer slice = buf.slice(buf.position(), step).asReadOnlyBuffer();
            sink.accept(slice);
            buf.position(buf.position() + step);
            left -= step;
        }
    }

    /** Receives a device's data bytes as they are read; a chunk is valid only during the call. */
    @FunctionalInterface
    interface ByteSink {
        void accept(ByteBuffer chunk) throws StreamException;
    }

    /**
     * Unmaps a window at once instead of when the collector gets to it, so reading a 100 GiB file
     * keeps one window mapped, not a hundred: sun.misc.Unsafe.invokeCleaner (jdk.unsupported,
     * which the packaged runtime includes). Where it is missing, the collector unmaps them.
     */
    private static final class Unmapper {
        private static final Object UNSAFE;
        private static final Method INVOKE_CLEANER;

        static {
            Object unsafe = null;
            Method clean = null;
            try {
                Class<?> c = Class.forName("sun.misc.Unsafe");
                java.lang.reflect.Field f = c.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                unsafe = f.get(null);
                clean = c.getMethod("invokeCleaner", ByteBuffer.class);
            } catch (ReflectiveOperationException | RuntimeException e) {
                unsafe = null;
                clean = null;
            }
            UNSAFE = unsafe;
            INVOKE_CLEANER = clean;
        }

        static void unmap(ByteBuffer b) {
            if (INVOKE_CLEANER == null || !(b instanceof java.nio.MappedByteBuffer)) {
                return;
            }
            try {
                INVOKE_CLEANER.invoke(UNSAFE, b);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // left to the collector
            }
        }
    }
}
