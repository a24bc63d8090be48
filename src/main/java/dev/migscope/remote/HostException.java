package dev.migscope.remote;

/** The far side cannot be used: one line naming the host, what happened and what to do. */
public final class HostException extends Exception {
    private static final long serialVersionUID = 1L;

    public HostException(String line) {
        super(line, null, false, false);
    }
}
