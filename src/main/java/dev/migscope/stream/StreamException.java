package dev.migscope.stream;

/**
 * A QEMU migration stream that cannot be read on: one sentence naming the stream offset and what
 * was expected there. Everything read before it stays valid (the decoder keeps it).
 */
public final class StreamException extends Exception {
    private static final long serialVersionUID = 1L;

    private final long offset;

    public StreamException(long offset, String message) {
        super(message, null, false, false);
        this.offset = offset;
    }

    /** The byte offset in the file (or in the tapped connection) where reading stopped. */
    public long offset() {
        return offset;
    }

    /** "offset 0x1f3a (7994): MESSAGE", the one line a user is shown. */
    public String line() {
        return "offset " + StreamInput.hex(offset) + " (" + offset + "): " + getMessage();
    }
}
