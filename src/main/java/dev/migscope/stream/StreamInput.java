package dev.migscope.stream;

import dev.migscope.device.MigrationStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * QEMU's migration stream as a big-endian byte source with a position, read through a 1 MiB
 * buffer: a file or a tapped connection. A file skips a long run (mapped-ram's page region) by
 * seeking; shorter ones are read through, which is faster than mapping the file and faulting its
 * pages in (measured: docs/BENCHMARKS.md). Each read lands at a buffer address that lies in its
 * page where the stream offset lies in its own: the kernel copies a page-cache page to an address
 * so placed at dd's speed, and to one shifted by the bytes a refill keeps (a page header's worth)
 * at a fraction of it.
 * Every read names what it was reading when the stream ends early, so a cut stream is one line
 * with the offset, never an exception from deep inside.
 */
public final class StreamInput {

    private static final int BUFFER = 1 << 20;
    private static final int PAGE = 4096;

    private final ReadableByteChannel channel;
    private final FileChannel file;
    /** A page more than a read's size: what a refill keeps moves to its stream offset's place in a page. */
    private final ByteBuffer buf = MigrationStream.alignedBuffer(BUFFER + PAGE);
    /** Stream offset of buf's index 0. */
    private long bufStart;
    /** Whether the channel has said end of stream (a tap tells a cut stream from a damaged one by it). */
    private boolean ended;
    /** What the decoder is reading, for the message when the stream ends or lies. */
    private String context = "the stream header";

    /**
     * @param channel the stream; a {@link FileChannel} is read from its current position, which is
     *                offset {@code start} of the stream (a libvirt save image's header comes before)
     * @param start   the offset of the channel's position, as reported in messages
     */
    public StreamInput(ReadableByteChannel channel, long start) {
        this.channel = channel;
        this.file = channel instanceof FileChannel f ? f : null;
        this.bufStart = start;
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
        long next = offset();
        int keep = buf.remaining();
        int at = (int) Math.floorMod(next, (long) PAGE);
        int from = buf.position();
        buf.limit(buf.capacity()).put(at, buf, from, keep).position(at + keep);
        bufStart = next - at;
        try {
            while (buf.position() < at + n) {
                if (channel.read(buf) < 0) {
                    ended = true;
                    break;
                }
            }
        } catch (IOException e) {
            buf.limit(buf.position()).position(at);
            throw error("reading " + context + " failed: " + e.getMessage());
        }
        buf.limit(buf.position()).position(at);
        return buf.remaining() >= n;
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

    /**
     * Whether the channel ran out: a decoder that stopped with this true stopped because the bytes
     * ended (a cut stream), not on bytes it could not read.
     */
    public boolean reachedEnd() {
        return ended;
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

    /** {@code n} bytes (callers bound n: names, fields, a vmdesc of up to 16 MiB, more than the buffer holds). */
    byte[] bytes(int n) throws StreamException {
        byte[] b = new byte[n];
        int done = 0;
        while (done < n) {
            if (!fill(1)) {
                throw error("the stream ends in " + context + " (" + (n - done) + " of " + n + " bytes missing)");
            }
            int step = Math.min(n - done, buf.remaining());
            buf.get(b, done, step);
            done += step;
        }
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
        if (file != null && n - buf.remaining() >= BUFFER) {
            try {
                // The file position is just past what the buffer holds.
                long fileBase = bufStart + buf.limit() - file.position();
                long size = file.size();
                if (target - fileBase > size) {
                    long end = fileBase + size;
                    file.position(size);
                    bufStart = end;
                    buf.limit(0);
                    throw new StreamException(end, "the stream ends in " + context + " (" + (target - end)
                            + " of " + n + " bytes missing)");
                }
                file.position(target - fileBase);
            } catch (IOException e) {
                throw error("reading " + context + " failed: " + e.getMessage());
            }
            bufStart = target;
            buf.limit(0);
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
}
