package dev.migscope.stream;

/**
 * How much of a stream is kept: a stream is untrusted input, so every list grows to a bound and is
 * then counted only. The bounds hold a real migration (a 1 TiB device is a million DATA_STATE blocks
 * of 1 MiB, QEMU's VFIO_MIG_DEFAULT_DATA_BUFFER_SIZE).
 */
public final class StreamLimits {
    /** Sections listed; more are counted. */
    public static final int SECTIONS = 200_000;
    /** A VFIO section's records listed with it (a stop-copy of 100 GiB is 100k DATA_STATE blocks). */
    public static final int RECORDS_PER_SECTION = 64;
    /** DATA_STATE blocks kept per device for extract (their offsets and sizes). */
    public static final int DATA_BLOCKS = 1 << 20;
    /** QEMU reads at most 1 MiB from the data_fd per DATA_STATE; anything larger than this is damage. */
    public static final long MAX_DATA_STATE = 1L << 32;
    /** A section read only by its footer or description: larger than this is taken as damaged. */
    public static final long MAX_OPAQUE_SECTION = 256L << 20;
    /** The vmdesc JSON (QEMU writes a few hundred KiB for a big machine). */
    public static final int MAX_VMDESC = 16 << 20;
    /** RAM blocks a stream may announce. */
    public static final int RAM_BLOCKS = 4096;
    /** Passes kept per device. */
    public static final int PASSES = 100_000;
    /** Fields of vmdesc-walked sections kept for --json. */
    public static final int FIELDS = 100_000;

    private StreamLimits() {
    }
}
