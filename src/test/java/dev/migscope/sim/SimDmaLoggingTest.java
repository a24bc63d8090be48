package dev.migscope.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.migscope.device.DirtyBitmap;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** DMA_LOGGING_START/REPORT/STOP as vfio_main.c and the mlx5/pds drivers check them. */
class SimDmaLoggingTest {

    private static final long GIB = 1L << 30;
    private static final String START = "SET DMA_LOGGING_START";

    private ManualClock clock;
    private SimBackend backend;

    @BeforeEach
    void setUp() {
        clock = new ManualClock();
        backend = new SimBackend(clock);
    }

    private static Errno errno(Executable call) {
        VfioException e = catchThrowableOfType(call::execute, VfioException.class);
        assertThat(e).as("the call fails").isNotNull();
        return Errno.of(e.error().errno()).orElseThrow();
    }

    @Test
    void devicesWithoutLogOpsAnswerENOTTY() throws Exception {
        try (SimSession s = Sims.open(backend, "sim:hisi-0")) {
            assertThat(s.dmaLoggingSupported()).isFalse();
            assertThat(errno(() -> s.dmaLoggingStart(4096, List.of(new IovaRange(0, GIB))))).isEqualTo(Errno.ENOTTY);
            assertThat(errno(() -> s.dmaLoggingReport(0, GIB, 4096))).isEqualTo(Errno.ENOTTY);
            assertThat(errno(s::dmaLoggingStop)).isEqualTo(Errno.ENOTTY);
        }
        try (SimSession s = Sims.open(backend, "sim:pds-0")) {
            assertThat(s.dmaLoggingSupported()).isTrue();
        }
    }

    @Test
    void startValidatesLikeTheKernel() throws Exception {
        try (SimSession s = Sims.open(backend, "sim:mlx5-0")) {
            assertThat(errno(() -> s.dmaLoggingStart(4096, List.of()))).isEqualTo(Errno.EINVAL);
            List<IovaRange> tooMany = new ArrayList<>();
            for (int i = 0; i < 257; i++) {
                tooMany.add(new IovaRange(i * 8192L, 4096));
            }
            assertThat(errno(() -> s.dmaLoggingStart(4096, tooMany))).isEqualTo(Errno.E2BIG);
            assertThat(errno(() -> s.dmaLoggingStart(6144, List.of(new IovaRange(0, 6144 * 4))))).isEqualTo(Errno.EINVAL);
            assertThat(errno(() -> s.dmaLoggingStart(4096, List.of(new IovaRange(100, 4096))))).isEqualTo(Errno.EINVAL);
            assertThat(errno(() -> s.dmaLoggingStart(4096, List.of(new IovaRange(0, 5000))))).isEqualTo(Errno.EINVAL);
            assertThat(errno(() -> s.dmaLoggingStart(4096, List.of(new IovaRange(0, 0))))).isEqualTo(Errno.EINVAL);
            assertThat(errno(() -> s.dmaLoggingStart(4096,
                    List.of(new IovaRange(0, 8192), new IovaRange(4096, 8192))))).isEqualTo(Errno.EINVAL);
            VfioException e = catchThrowableOfType(() -> s.dmaLoggingStart(4096,
                    List.of(new IovaRange(0, 8192), new IovaRange(4096, 8192))), VfioException.class);
            assertThat(e.error().call()).isEqualTo(START);
            assertThat(e.error().message()).contains("overlap");

            s.dmaLoggingStart(4096, List.of(new IovaRange(GIB, GIB), new IovaRange(0, 4096 * 256)));
            assertThat(errno(() -> s.dmaLoggingStart(4096, List.of(new IovaRange(0, 4096))))).as("a second start")
                    .isEqualTo(Errno.EINVAL);
        }
    }

    @Test
    void reportShowsPagesWrittenAtTheDmaRateAndClearsThem() throws Exception {
        try (SimSession s = Sims.open(backend, "sim:mlx5-0")) {
            assertThat(errno(() -> s.dmaLoggingReport(0, GIB, 4096))).as("not started").isEqualTo(Errno.EINVAL);
            s.dmaLoggingStart(4096, List.of(new IovaRange(0, GIB)));
            clock.advance(Duration.ofSeconds(1));
            DirtyBitmap first = s.dmaLoggingReport(0, GIB, 4096);
            long rate = s.profile().dmaDirtyPagesPerSecond();
            // 2000 random pages out of 262144: a few may land twice.
            assertThat(first.dirtyPages()).isBetween(rate - 50, rate);
            assertThat(first.pages()).isEqualTo(GIB / 4096);
            assertThat(s.dmaLoggingReport(0, GIB, 4096).dirtyPages()).as("reading cleared the bits").isZero();

            s.setState(MigState.STOP);
            clock.advance(Duration.ofSeconds(1));
            assertThat(s.dmaLoggingReport(0, GIB, 4096).dirtyPages()).as("a stopped device does no DMA").isZero();

            s.setState(MigState.RUNNING);
            clock.advance(Duration.ofSeconds(1));
            long coarse = s.dmaLoggingReport(0, GIB, 1L << 21).dirtyPages();
            assertThat(coarse).as("2 MiB report pages gather 4 KiB writes").isBetween(1L, 512L);

            assertThat(errno(() -> s.dmaLoggingReport(0, 2 * GIB, 4096))).as("outside the range").isEqualTo(Errno.EINVAL);
            assertThat(errno(() -> s.dmaLoggingReport(0, GIB, 1000))).as("page size").isEqualTo(Errno.EINVAL);
            s.dmaLoggingStop();
            assertThat(errno(() -> s.dmaLoggingReport(0, GIB, 4096))).as("stopped").isEqualTo(Errno.EINVAL);
            s.dmaLoggingStop();
        }
    }

    @Test
    void bitsLandInsideTheReportedWindow() throws Exception {
        try (SimSession s = Sims.open(backend, "sim:pds-0")) {
            s.dmaLoggingStart(1L << 16, List.of(new IovaRange(0, 1L << 24)));
            clock.advance(Duration.ofMillis(50));
            DirtyBitmap fine = s.dmaLoggingReport(0, 1L << 24, 4096);
            // Each 64 KiB logged page becomes 16 bits of 4 KiB.
            assertThat(fine.dirtyPages() % 16).isZero();
            assertThat(fine.dirtyPages()).as("about 75 of 256 logged pages").isBetween(16L * 40, 16L * 75);
            for (long p = 0; p < fine.pages(); p += 16) {
                boolean first = fine.isDirty(p);
                for (long q = p; q < p + 16; q++) {
                    assertThat(fine.isDirty(q)).isEqualTo(first);
                }
            }
        }
    }
}
