package dev.migscope.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.MigrationStream;
import dev.migscope.fsm.MigState;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The workload on the manual clock: reads take the link's time, and the device dirties its state
 * meanwhile. A device that dirties faster than the link drains never reaches the temporary end.
 */
class SimConvergenceTest {

    private static final long MIB = 1 << 20;
    private static final long SECOND = 1_000_000_000L;

    /** Reads PRE_COPY data as QEMU does for {@code seconds} of device time; the least pending seen after the first second, or -1 if it converged. */
    private static long leastPendingWhileIterating(String id, int seconds) throws Exception {
        ManualClock clock = new ManualClock();
        try (SimSession s = Sims.open(new SimBackend(clock), id)) {
            MigrationStream fd = s.setState(MigState.PRE_COPY).orElseThrow();
            ByteBuffer buf = ByteBuffer.allocate((int) MIB);
            long start = clock.nanoTime();
            long least = Long.MAX_VALUE;
            while (clock.nanoTime() - start < seconds * SECOND) {
                if (fd.read(buf.clear()) == 0) {
                    return -1;
                }
                if (clock.nanoTime() - start > SECOND) {
                    least = Math.min(least, fd.precopyInfo().pendingBytes());
                }
            }
            return least;
        }
    }

    /**
     * 512 pages (32 MiB) are offered in PRE_COPY; each is re-dirtied 6.25 times a second (300 MiB/s
     * over 768 pages) while the link sends 1600 pages a second, so the dirty set settles near 256
     * pages (16 MiB) instead of draining.
     */
    @Test
    void nonConvergingDeviceKeepsPendingBytesHigh() throws Exception {
        long least = leastPendingWhileIterating("sim:nonconv-0", 3);
        assertThat(least).as("pending bytes never drop towards 0").isGreaterThan(8 * MIB);
    }

    @Test
    void mlx5ConvergesUnderTheSameReader() throws Exception {
        assertThat(leastPendingWhileIterating("sim:mlx5-0", 5)).as("reached the temporary end").isEqualTo(-1);
    }

    @Test
    void theLinkRateLimitsReads() throws Exception {
        ManualClock clock = new ManualClock();
        try (SimSession s = Sims.open(new SimBackend(clock), "sim:stopcopy-0")) {
            MigrationStream fd = s.setState(MigState.STOP_COPY).orElseThrow();
            long t0 = clock.nanoTime();
            byte[] all = Sims.drain(fd);
            double seconds = (clock.nanoTime() - t0) / 1e9;
            assertThat(all.length / seconds).isCloseTo(s.profile().linkBytesPerSecond(),
                    org.assertj.core.api.Assertions.withinPercentage(1));
        }
    }

    @Test
    void stopStatesDoNotDirty() throws Exception {
        ManualClock clock = new ManualClock();
        try (SimSession s = Sims.open(new SimBackend(clock), "sim:mlx5-0")) {
            s.setState(MigState.STOP);
            long d = s.stateDigest();
            clock.advance(java.time.Duration.ofSeconds(10));
            assertThat(s.stateDigest()).isEqualTo(d);
            s.setState(MigState.RUNNING);
            clock.advance(java.time.Duration.ofSeconds(1));
            assertThat(s.stateDigest()).isNotEqualTo(d);
        }
    }
}
