package dev.migscope.telemetry;

import java.util.EnumMap;
import java.util.Map;

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

    public Map<Metric, Double> asMap() {
        Map<Metric, Double> m = new EnumMap<>(Metric.class);
        for (Metric x : Metric.values()) {
            m.put(x, values[x.ordinal()]);
        }
        return m;
    }
}
