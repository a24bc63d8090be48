package dev.migscope.sim;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when told: {@link #sleepNanos} advances it at once, so a read that the
 * link would take 5 ms to carry costs no wall time. Tests advance it explicitly; benchmarks use it
 * to compress minutes of workload into milliseconds.
 */
public final class ManualClock implements SimClock {

    private final AtomicLong now = new AtomicLong();

    @Override
    public long nanoTime() {
        return now.get();
    }

    @Override
    public void sleepNanos(long nanos) {
        if (nanos > 0) {
            now.addAndGet(nanos);
        }
    }

    /** Lets {@code d} pass, as if the device ran that long with nobody calling it. */
    public void advance(Duration d) {
        sleepNanos(d.toNanos());
    }
}
