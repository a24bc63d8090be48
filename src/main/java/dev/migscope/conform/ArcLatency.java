package dev.migscope.conform;

import dev.migscope.fsm.Arc;

/**
 * How long the SET of one direct arc took over the repeats: reported as data, since a slow
 * STOP_COPY arc is downtime. {@code p99} is the nearest-rank 99th percentile (the maximum below
 * 100 samples).
 */
public record ArcLatency(Arc arc, int samples, long medianNanos, long p99Nanos) {
}
