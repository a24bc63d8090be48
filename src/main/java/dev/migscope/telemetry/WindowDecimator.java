package dev.migscope.telemetry;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;

/**
 * Min/max decimation of a sliding time window, kept up to date incrementally: what a live chart
 * plots. The window is cut into {@code buckets} buckets of equal time, aligned to the session
 * clock (bucket k holds the samples with {@code floor(time / width) == k}); each bucket keeps,
 * per metric, its minimum and its maximum sample, so peaks survive and a chart draws at most two
 * points a bucket however long the history.
 *
 * <p>Each {@link #update} folds in only the samples appended since the last one (a frame at 20 Hz
 * sampling brings one or two), and drops the buckets that left the window: the cost of a frame no
 * longer grows with the window's length. Aligned buckets also keep old points still: re-bucketing
 * the whole window every frame made the decimated line shimmer as the bucket edges moved.
 *
 * <p>One reader thread (the FX thread) uses an instance; the telemetry it reads is thread-safe.
 */
public final class WindowDecimator {

    private final Metric[] metrics;
    private final long windowNanos;
    private final long bucketNanos;
    private final ArrayDeque<Bucket> buckets = new ArrayDeque<>();
    private long seen;

    /** Per metric (by position in {@link #metrics}): the first minimum and first maximum sample. */
    private static final class Bucket {
        final long index;
        final long[] minTime;
        final long[] maxTime;
        final double[] min;
        final double[] max;

        Bucket(long index, int metrics) {
            this.index = index;
            minTime = new long[metrics];
            maxTime = new long[metrics];
            min = new double[metrics];
            max = new double[metrics];
            Arrays.fill(min, Double.NaN);
            Arrays.fill(max, Double.NaN);
        }

        void fold(int m, long time, double y) {
            if (Double.isNaN(y)) {
                return; // a gap: the chart leaves it out rather than drawing a value that was not read
            }
            if (Double.isNaN(min[m]) || y < min[m]) {
                min[m] = y;
                minTime[m] = time;
            }
            if (Double.isNaN(max[m]) || y > max[m]) {
                max[m] = y;
                maxTime[m] = time;
            }
        }
    }

    /**
     * @param windowNanos the time span shown, in session-clock nanoseconds
     * @param buckets     buckets in the window: a series has at most {@code 2 * (buckets + 1)} points
     * @param metrics     the metrics to keep (only these are copied out of the telemetry)
     */
    public WindowDecimator(long windowNanos, int buckets, Metric... metrics) {
        if (windowNanos <= 0 || buckets < 1) {
            throw new IllegalArgumentException("window " + windowNanos + " ns, " + buckets + " buckets");
        }
        this.metrics = metrics.clone();
        this.windowNanos = windowNanos;
        this.bucketNanos = Math.max(1, windowNanos / buckets);
    }

    /**
     * Folds in the samples appended since the last call and drops the buckets older than the
     * window ending at the newest sample.
     *
     * @return true when anything changed
     */
    public boolean update(Telemetry telemetry) {
        if (telemetry.version() == seen) {
            return false;
        }
        TelemetrySnapshot s = telemetry.appendedSince(seen, metrics);
        seen = s.version();
        long[] times = s.times();
        if (times.length == 0) {
            return false;
        }
        double[][] values = new double[metrics.length][];
        for (int m = 0; m < metrics.length; m++) {
            values[m] = s.values(metrics[m]);
        }
        for (int k = 0; k < times.length; k++) {
            long index = Math.floorDiv(times[k], bucketNanos);
            Bucket b = buckets.peekLast();
            // A clock that stepped back (never the session's) folds into the newest bucket.
            if (b == null || index > b.index) {
                b = new Bucket(index, metrics.length);
                buckets.addLast(b);
            }
            for (int m = 0; m < metrics.length; m++) {
                b.fold(m, times[k], values[m][k]);
            }
        }
        long first = Math.floorDiv(times[times.length - 1] - windowNanos, bucketNanos);
        while (buckets.peekFirst().index < first) {
            buckets.pollFirst();
        }
        return true;
    }

    /**
     * The decimated series of a metric: {x[], y[]} in time order, x in seconds of the session
     * clock, each bucket's minimum and maximum (one point when they are the same sample).
     */
    public double[][] series(Metric metric) {
        int m = position(metric);
        double[] x = new double[buckets.size() * 2];
        double[] y = new double[x.length];
        int o = 0;
        for (Iterator<Bucket> it = buckets.iterator(); it.hasNext();) {
            Bucket b = it.next();
            if (Double.isNaN(b.min[m])) {
                continue;
            }
            boolean minFirst = b.minTime[m] <= b.maxTime[m];
            x[o] = (minFirst ? b.minTime[m] : b.maxTime[m]) / 1e9;
            y[o++] = minFirst ? b.min[m] : b.max[m];
            if (b.minTime[m] != b.maxTime[m]) {
                x[o] = (minFirst ? b.maxTime[m] : b.minTime[m]) / 1e9;
                y[o++] = minFirst ? b.max[m] : b.min[m];
            }
        }
        return new double[][] {Arrays.copyOf(x, o), Arrays.copyOf(y, o)};
    }

    private int position(Metric metric) {
        for (int m = 0; m < metrics.length; m++) {
            if (metrics[m] == metric) {
                return m;
            }
        }
        throw new IllegalArgumentException(metric + " is not decimated here");
    }
}
