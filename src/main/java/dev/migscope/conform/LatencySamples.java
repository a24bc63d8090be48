package dev.migscope.conform;

import dev.migscope.fsm.Arc;
import java.util.Arrays;
import java.util.Optional;

/**
 * The times of the SETs of one direct arc that reached their state: reported as data, not judged
 * against a rule, since vfio.h sets no bound; but a slow STOP_COPY arc is downtime.
 */
final class LatencySamples {

    private final long[] samples;
    private int n;

    LatencySamples(int repeats) {
        samples = new long[repeats];
    }

    void add(long nanos) {
        samples[n++] = nanos;
    }

    int count() {
        return n;
    }

    /** Median and nearest-rank p99; empty when no SET of the arc reached its state. */
    Optional<ArcLatency> summary(Arc arc) {
        if (n == 0) {
            return Optional.empty();
        }
        long[] s = Arrays.copyOf(samples, n);
        Arrays.sort(s);
        return Optional.of(new ArcLatency(arc, n, s[(n - 1) / 2], s[(int) Math.ceil(0.99 * n) - 1]));
    }
}
