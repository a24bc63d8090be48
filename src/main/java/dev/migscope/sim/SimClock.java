package dev.migscope.sim;

import java.util.concurrent.locks.LockSupport;

/**
 * The time a simulated device lives by: dirtying, the link's rate limit and poll() all use it, so
 * tests and compressed-time benchmarks can run a device on a {@link ManualClock} without waiting.
 */
public interface SimClock {

    /** Monotonic nanoseconds, like {@link System#nanoTime()}. */
    long nanoTime();

    /**
     * Lets {@code nanos} of this clock's time pass. The system clock parks the thread; it returns
     * early only when the thread is interrupted, keeping the interrupt flag set.
     */
    void sleepNanos(long nanos);

    /** Wall-clock time: what the application runs on. */
    static SimClock system() {
        return SystemClock.INSTANCE;
    }

    /** The clock of the real world. */
    enum SystemClock implements SimClock {
        INSTANCE;

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleepNanos(long nanos) {
            long end = System.nanoTime() + nanos;
            long left = nanos;
            while (left > 0) {
                LockSupport.parkNanos(left);
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                left = end - System.nanoTime();
            }
        }
    }
}
