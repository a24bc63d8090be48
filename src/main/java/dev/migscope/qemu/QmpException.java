package dev.migscope.qemu;

/** Carries a {@link QmpError} out of a call; front ends show {@link QmpError#describe()}, never a trace. */
public final class QmpException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient QmpError error;

    public QmpException(QmpError error) {
        super(error.describe(), null, false, false);
        this.error = error;
    }

    public QmpError error() {
        return error;
    }
}
