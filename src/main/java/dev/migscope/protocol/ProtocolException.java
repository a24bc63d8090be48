package dev.migscope.protocol;

/**
 * A message from the other side that is not what the protocol says: a missing field, a wrong
 * type, a name that is no state or kind, more elements than a bound. One sentence naming the
 * field; the side that reads it ends the connection (a peer that sends one is broken).
 */
public final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message, null, false, false);
    }
}
