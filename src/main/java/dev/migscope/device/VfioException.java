package dev.migscope.device;

/** Carries a {@link VfioError} out of a backend call; callers turn it back into the value. */
public final class VfioException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient VfioError error;

    public VfioException(VfioError error) {
        super(error.describe(), null, false, false);
        this.error = error;
    }

    public VfioError error() {
        return error;
    }
}
