package dev.migscope.telemetry;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Bounded ring buffers, one per {@link Metric}, sharing one time axis. One writer (the session's
 * device thread) appends; readers (the UI's animation tick, the CLI, a CSV recorder) copy what
 * they need. Memory is fixed at construction: it does not grow with session length.
 */
public final class Telemetry {
    private final int capacity;
    private final long[] times;
    private final double[][] values;
    private long written; // samples ever appended; the ring holds the last min(written, capacity)
    private final List<Runnable> appendListeners = new CopyOnWriteArrayList<>();

    public Telemetry(int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("capacity must be at least 2, was " + capacity);
        }
        this.capacity = capacity;
        this.times = new long[capacity];
        this.values = new double[Metric.values().length][capacity];
    }

    public int capacity() {
        return capacity;
    }

    public void append(Sample s) {
        synchronized (this) {
            int i = (int) (written % capacity);
            times[i] = s.timeNanos();
            for (Metric m : Metric.values()) {
                values[m.ordinal()][i] = s.get(m);
            }
            written++;
        }
        for (Runnable l : appendListeners) {
            l.run();
        }
    }

    /**
     * Runs {@code l} after each append, on the writer's thread (a session's device thread): a
     * reader that forwards samples (the agent) learns of each as it is taken. {@code l} must only
     * hand the work off, never block.
     */
    public void addAppendListener(Runnable l) {
        appendListeners.add(l);
    }

    public void removeAppendListener(Runnable l) {
        appendListeners.remove(l);
    }

    /** Samples ever appended; a reader compares it with the last one it saw to skip unchanged frames. */
    public synchronized long version() {
        return written;
    }

    public synchronized int size() {
        return (int) Math.min(written, capacity);
    }

    /** The newest sample, or null when none. */
    public synchronized Sample latest() {
        if (written == 0) {
            return null;
        }
        int i = (int) ((written - 1) % capacity);
        Sample s = new Sample(times[i]);
        for (Metric m : Metric.values()) {
            s.set(m, values[m.ordinal()][i]);
        }
        return s;
    }

    /**
     * Copies the samples with time >= {@code sinceNanos}, oldest first, of the given metrics.
     */
    public synchronized TelemetrySnapshot snapshot(long sinceNanos, Metric... metrics) {
        int n = size();
        long first = written - n;
        // Times are appended in order: binary search the first index at or after sinceNanos.
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (times[(int) ((first + mid) % capacity)] < sinceNanos) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return copy(first + lo, metrics);
    }

    /**
     * Copies the samples appended after a reader saw {@code version} (those the ring still holds),
     * oldest first, of the given metrics: what an incremental reader folds in each frame.
     */
    public synchronized TelemetrySnapshot appendedSince(long version, Metric... metrics) {
        return copy(Math.max(version, written - size()), metrics);
    }

    /** Copies samples [from, written) of the ring; the caller holds the lock. */
    private TelemetrySnapshot copy(long from, Metric... metrics) {
        int count = (int) (written - from);
        long[] t = new long[count];
        double[][] v = new double[Metric.values().length][];
        for (Metric m : metrics) {
            v[m.ordinal()] = new double[count];
        }
        for (int k = 0; k < count; k++) {
            int idx = (int) ((from + k) % capacity);
            t[k] = times[idx];
            for (Metric m : metrics) {
                v[m.ordinal()][k] = values[m.ordinal()][idx];
            }
        }
        return new TelemetrySnapshot(written, t, v);
    }
}
