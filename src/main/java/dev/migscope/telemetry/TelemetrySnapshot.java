package dev.migscope.telemetry;

/** A copy of part of the ring buffers, safe to read on any thread. */
public final class TelemetrySnapshot {
    private final long version;
    private final long[] times;
    private final double[][] values;

    TelemetrySnapshot(long version, long[] times, double[][] values) {
        this.version = version;
        this.times = times;
        this.values = values;
    }

    public long version() {
        return version;
    }

    public int size() {
        return times.length;
    }

    /** Sample times, in nanoseconds of the session clock. */
    public long[] times() {
        return times;
    }

    /**
     * The values of a metric that was asked for.
     *
     * @throws IllegalArgumentException when the snapshot was taken without it
     */
    public double[] values(Metric m) {
        double[] v = values[m.ordinal()];
        if (v == null) {
            throw new IllegalArgumentException(m + " was not part of this snapshot");
        }
        return v;
    }
}
