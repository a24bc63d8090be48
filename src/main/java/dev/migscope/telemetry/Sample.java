package dev.migscope.telemetry;

/** One sampler tick: a time and a value per metric (NaN when not measured this tick). */
public final class Sample {
    private final long timeNanos;
    private final double[] values = new double[Metric.values().length];

    public Sample(long timeNanos) {
        this.timeNanos = timeNanos;
        java.util.Arrays.fill(values, Double.NaN);
    }

    public long timeNanos() {
        return timeNanos;
    }

    public Sample set(Metric m, double v) {
        values[m.ordinal()] = v;
        return this;
    }

    public double get(Metric m) {
        return values[m.ordinal()];
    }
}
