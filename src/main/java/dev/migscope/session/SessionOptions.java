package dev.migscope.session;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * How a session samples and drives its device.
 *
 * @param sampleInterval     sampler period (default 100 ms = 10 Hz)
 * @param historyCapacity    samples kept per metric (default: 1 h at the sample rate)
 * @param linkBandwidth      bytes/s of the migration link, for the downtime estimate
 * @param armed              whether state-changing calls may reach the device from the start
 * @param mode               how multi-step transitions are driven
 * @param precopyMax         the longest PRE_COPY phase of a save before switching over anyway
 * @param precopyThreshold   pending PRE_COPY bytes at or below which a save switches over
 * @param clock              nanosecond clock of the session: the telemetry time axis, sampling during
 *                           saves and resumes, and the PRE_COPY time limit
 */
public record SessionOptions(
        Duration sampleInterval,
        int historyCapacity,
        long linkBandwidth,
        boolean armed,
        TransitionMode mode,
        Duration precopyMax,
        long precopyThreshold,
        LongSupplier clock) {

    /** 10 Gbit/s, a common migration link. */
    public static final long DEFAULT_LINK_BANDWIDTH = 10_000_000_000L / 8;

    public static SessionOptions defaults() {
        Duration interval = Duration.ofMillis(100);
        return new SessionOptions(interval, capacityFor(Duration.ofHours(1), interval), DEFAULT_LINK_BANDWIDTH,
                false, TransitionMode.STEPWISE, Duration.ofSeconds(10), 1 << 20, System::nanoTime);
    }

    /** The most samples a session keeps per metric: one hour at 20 Hz (about 6 MB for all metrics). */
    public static final int MAX_HISTORY = 72_000;

    /** Samples for {@code history} at {@code interval}, capped at {@link #MAX_HISTORY} so fast sampling cannot eat memory. */
    public static int capacityFor(Duration history, Duration interval) {
        return (int) Math.min(MAX_HISTORY, Math.max(2, history.toNanos() / Math.max(1, interval.toNanos())));
    }

    public SessionOptions withArmed(boolean a) {
        return new SessionOptions(sampleInterval, historyCapacity, linkBandwidth, a, mode, precopyMax,
                precopyThreshold, clock);
    }

    public SessionOptions withSampleInterval(Duration d) {
        return new SessionOptions(d, capacityFor(Duration.ofHours(1), d), linkBandwidth, armed, mode, precopyMax,
                precopyThreshold, clock);
    }

    public SessionOptions withLinkBandwidth(long bytesPerSecond) {
        return new SessionOptions(sampleInterval, historyCapacity, bytesPerSecond, armed, mode, precopyMax,
                precopyThreshold, clock);
    }

    public SessionOptions withMode(TransitionMode m) {
        return new SessionOptions(sampleInterval, historyCapacity, linkBandwidth, armed, m, precopyMax,
                precopyThreshold, clock);
    }

    public SessionOptions withPrecopy(Duration max, long threshold) {
        return new SessionOptions(sampleInterval, historyCapacity, linkBandwidth, armed, mode, max, threshold,
                clock);
    }

    public SessionOptions withClock(LongSupplier c) {
        return new SessionOptions(sampleInterval, historyCapacity, linkBandwidth, armed, mode, precopyMax,
                precopyThreshold, c);
    }
}
