package dev.migscope.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Lines of UTF-8 from a stream the other side writes, each at most a bound: a far side that never
 * ends its line costs this side {@code max} bytes, then a {@link TooLong}, never all its memory
 * (a BufferedReader's readLine grows without end).
 */
public final class LineReader {

    /** A line went past the bound; the bytes read of it so far are dropped. */
    public static final class TooLong extends IOException {
        private static final long serialVersionUID = 1L;

        TooLong(int max) {
            super("a line longer than " + max + " bytes", null);
        }
    }

    private final InputStream in;
    private final int max;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int end;
    private byte[] line = new byte[256];

    public LineReader(InputStream in, int max) {
        this.in = in;
        this.max = max;
    }

    /** The next line without its {@code \n}, or null at the end of the stream (a last unended line is a line). */
    public String readLine() throws IOException {
        int n = 0;
        while (true) {
            if (pos == end && !fill()) {
                return n == 0 ? null : new String(line, 0, n, StandardCharsets.UTF_8);
            }
            byte b = buf[pos++];
            if (b == '\n') {
                return new String(line, 0, n, StandardCharsets.UTF_8);
            }
            if (n == max) {
                throw new TooLong(max);
            }
            if (n == line.length) {
                line = Arrays.copyOf(line, Math.min(max, 2 * n));
            }
            line[n++] = b;
        }
    }

    /** Reads past the rest of the current line (after a {@link TooLong}), holding none of it. */
    public void skipLine() throws IOException {
        while (pos < end || fill()) {
            if (buf[pos++] == '\n') {
                return;
            }
        }
    }

    /** Reads the next bytes into the buffer; false at the end of the stream. */
    private boolean fill() throws IOException {
        end = Math.max(0, in.read(buf));
        pos = 0;
        return end > 0;
    }
}
