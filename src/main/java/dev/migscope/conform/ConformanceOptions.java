package dev.migscope.conform;

/**
 * How hard a run probes.
 *
 * @param repeats        SETs timed per direct arc (median and p99 are over these)
 * @param maxStreamBytes bytes read from one data_fd before the run decides the stream does not end
 */
public record ConformanceOptions(int repeats, long maxStreamBytes) {

    public static final int DEFAULT_REPEATS = 20;
    public static final long DEFAULT_MAX_STREAM_BYTES = 4L << 30;

    public ConformanceOptions {
        if (repeats < 1) {
            throw new IllegalArgumentException("repeats must be at least 1 (was " + repeats + ")");
        }
        if (maxStreamBytes < 1) {
            throw new IllegalArgumentException("the stream limit must be at least one byte");
        }
    }

    public static ConformanceOptions defaults() {
        return new ConformanceOptions(DEFAULT_REPEATS, DEFAULT_MAX_STREAM_BYTES);
    }

    public ConformanceOptions withRepeats(int n) {
        return new ConformanceOptions(n, maxStreamBytes);
    }
}
