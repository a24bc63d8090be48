package dev.migscope.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.migscope.device.Errno;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Saving on one device and resuming into another, and the streams a driver must refuse. */
class SimSaveResumeTest {

    private ManualClock clock;
    private SimBackend backend;

    @BeforeEach
    void setUp() {
        clock = new ManualClock();
        backend = new SimBackend(clock);
    }

    @Test
    void precopyThenStopCopyResumesIntoTheOtherDeviceWithEqualState() throws Exception {
        try (SimSession src = Sims.open(backend, "sim:mlx5-0"); SimSession dst = Sims.open(backend, "sim:mlx5-1")) {
            long fullSize = src.migDataSize();
            MigrationStream fd = src.setState(MigState.PRE_COPY).orElseThrow();
            PrecopyInfo first = fd.precopyInfo();
            assertThat(first.initialBytes()).isGreaterThanOrEqualTo(src.profile().precopyInitialBytes());
            assertThat(first.dirtyBytes()).isZero();

            ByteArrayOutputStream saved = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            long lastInitial = first.initialBytes();
            int n;
            while ((n = fd.read(buf.clear())) > 0) {
                saved.write(buf.array(), 0, n);
                long initial = fd.precopyInfo().initialBytes();
                assertThat(initial).as("initial_bytes never grows").isLessThanOrEqualTo(lastInitial);
                lastInitial = initial;
            }
            assertThat(fd.precopyInfo().pendingBytes()).as("a temporary end means nothing is pending").isZero();
            assertThat(src.migDataSize()).as("what STOP_COPY still has to send").isLessThan(fullSize);

            // The device keeps running: dirty pages come back, and poll waits for them on the device clock.
            long before = clock.nanoTime();
            assertThat(fd.poll(10_000)).isTrue();
            assertThat(clock.nanoTime()).isGreaterThan(before);
            assertThat(fd.precopyInfo().dirtyBytes()).isPositive();

            assertThat(src.setState(MigState.STOP_COPY)).as("PRE_COPY -> STOP_COPY continues the same data_fd")
                    .isEmpty();
            VfioException notPrecopy = catchThrowableOfType(fd::precopyInfo, VfioException.class);
            assertThat(notPrecopy.error().is(Errno.EINVAL)).isTrue();
            saved.write(Sims.drain(fd));
            assertThat(fd.read(buf.clear())).as("the end of STOP_COPY stays the end").isZero();
            assertThat(fd.poll(0)).as("the permanent end is readable").isTrue();
            assertThat(fd.bytesTransferred()).isEqualTo(saved.size());
            src.setState(MigState.STOP);
            VfioException ended = catchThrowableOfType(() -> fd.read(buf.clear()), VfioException.class);
            assertThat(ended.error().is(Errno.ENODEV)).as("STOP_COPY -> STOP ends the session").isTrue();

            assertThat(dst.stateDigest()).isNotEqualTo(src.stateDigest());
            MigrationStream in = dst.setState(MigState.RESUMING).orElseThrow();
            Sims.writeAll(in, saved.toByteArray());
            assertThat(in.bytesTransferred()).isEqualTo(saved.size());
            dst.setState(MigState.STOP);
            assertThat(dst.stateDigest()).isEqualTo(src.stateDigest());
            dst.setState(MigState.RUNNING);
            assertThat(dst.getState()).isEqualTo(MigState.RUNNING);
        }
    }

    @Test
    void stopCopyOnlySaveResumesIntoTheOtherDevice() throws Exception {
        try (SimSession src = Sims.open(backend, "sim:mlx5-0"); SimSession dst = Sims.open(backend, "sim:mlx5-1")) {
            byte[] saved = Sims.saveByStopCopy(src);
            assertThat((long) saved.length).isGreaterThan(src.profile().stateBytes());
            MigrationStream in = dst.setState(MigState.RESUMING).orElseThrow();
            Sims.writeAll(in, saved);
            dst.setState(MigState.RUNNING);
            assertThat(dst.stateDigest()).isNotEqualTo(0L);
            // A resumed device runs on from the loaded state: in STOP nothing dirties it, so digests match.
            dst.setState(MigState.STOP);
            clock.advance(java.time.Duration.ofSeconds(5));
            assertThat(src.stateDigest()).isEqualTo(dst.stateDigest());
        }
    }

    @Test
    void truncatedStreamIsRefusedAtRESUMINGToSTOPAndTheDeviceStaysInRESUMING() throws Exception {
        byte[] saved = save("sim:mlx5-0");
        for (int cut : new int[] {saved.length - 1, saved.length - 100, saved.length / 2, 10}) {
            try (SimSession dst = Sims.open(backend, "sim:mlx5-1")) {
                MigrationStream in = dst.setState(MigState.RESUMING).orElseThrow();
                Sims.writeAll(in, Arrays.copyOf(saved, cut));
                VfioException e = catchThrowableOfType(() -> dst.setState(MigState.STOP), VfioException.class);
                assertThat(e.error().is(Errno.EINVAL)).as("cut at " + cut).isTrue();
                assertThat(e.error().message()).contains("incomplete");
                assertThat(dst.getState()).isEqualTo(MigState.RESUMING);
                VfioException again = catchThrowableOfType(() -> dst.setState(MigState.RUNNING), VfioException.class);
                assertThat(again.error().is(Errno.EINVAL)).isTrue();
                assertThat(dst.getState()).isEqualTo(MigState.RESUMING);
            }
        }
    }

    @Test
    void emptyStreamIsRefused() throws Exception {
        try (SimSession dst = Sims.open(backend, "sim:mlx5-1")) {
            dst.setState(MigState.RESUMING).orElseThrow();
            VfioException e = catchThrowableOfType(() -> dst.setState(MigState.STOP), VfioException.class);
            assertThat(e.error().is(Errno.EINVAL)).isTrue();
            assertThat(dst.getState()).isEqualTo(MigState.RESUMING);
        }
    }

    @Test
    void garbageIsRefusedByWriteAndByTheLoad() throws Exception {
        byte[] garbage = new byte[100_000];
        new Random(7).nextBytes(garbage);
        assertRefusedOnWrite(garbage, "magic");
    }

    @Test
    void aFlippedByteIsCaughtByTheRecordCrc() throws Exception {
        byte[] saved = save("sim:mlx5-0");
        saved[saved.length / 2] ^= 0x40;
        assertRefusedOnWrite(saved, "CRC32C");
    }

    @Test
    void aMissingRecordIsCaughtBySequence() throws Exception {
        byte[] saved = save("sim:mlx5-0");
        int record = StreamFormat.pageRecordBytes(SimProfile.PAGE_BYTES);
        int deviceRecord = StreamFormat.deviceRecordBytes("sim_mlx5");
        byte[] holed = new byte[saved.length - record];
        System.arraycopy(saved, 0, holed, 0, deviceRecord + record);
        System.arraycopy(saved, deviceRecord + 2 * record, holed, deviceRecord + record,
                saved.length - deviceRecord - 2 * record);
        assertRefusedOnWrite(holed, "expected");
    }

    @Test
    void aStreamFromAnotherDriverIsRefused() throws Exception {
        assertRefusedOnWrite(save("sim:hisi-0"), "sim_hisi_acc");
    }

    @Test
    void saveStreamsAreReadOnlyAndResumeStreamsWriteOnly() throws Exception {
        try (SimSession s = Sims.open(backend, "sim:mlx5-0")) {
            MigrationStream out = s.setState(MigState.PRE_COPY).orElseThrow();
            assertThat(catchThrowableOfType(() -> out.write(ByteBuffer.allocate(4)), VfioException.class)
                    .error().is(Errno.EBADF)).isTrue();
            s.setState(MigState.RESUMING);
            MigrationStream in = s.setState(MigState.RESUMING).orElse(null);
            assertThat(in).as("already RESUMING: no new data_fd").isNull();
        }
        try (SimSession s = Sims.open(backend, "sim:mlx5-0")) {
            MigrationStream in = s.setState(MigState.RESUMING).orElseThrow();
            assertThat(catchThrowableOfType(() -> in.read(ByteBuffer.allocate(4)), VfioException.class)
                    .error().is(Errno.EBADF)).isTrue();
            assertThat(catchThrowableOfType(in::precopyInfo, VfioException.class).error().is(Errno.ENOTTY)).isTrue();
            in.close();
            assertThat(catchThrowableOfType(() -> in.write(ByteBuffer.allocate(4)), VfioException.class)
                    .error().is(Errno.EBADF)).as("the user's fd is closed").isTrue();
        }
    }

    @Test
    void migDataSizeShrinksWhileStopCopyDrains() throws Exception {
        try (SimSession s = Sims.open(backend, "sim:stopcopy-0")) {
            long full = s.migDataSize();
            assertThat(full).isGreaterThan(s.profile().stateBytes());
            MigrationStream fd = s.setState(MigState.STOP_COPY).orElseThrow();
            assertThat(s.migDataSize()).isEqualTo(full);
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            long read = fd.read(buf);
            assertThat(s.migDataSize()).isEqualTo(full - read);
            Sims.drain(fd);
            assertThat(s.migDataSize()).isZero();
            assertThat(fd.bytesTransferred()).isEqualTo(full);
        }
    }

    private byte[] save(String id) throws VfioException {
        try (SimSession s = Sims.open(backend, id)) {
            return Sims.saveByStopCopy(s);
        }
    }

    private void assertRefusedOnWrite(byte[] stream, String why) throws VfioException {
        try (SimSession dst = Sims.open(backend, "sim:mlx5-1")) {
            MigrationStream in = dst.setState(MigState.RESUMING).orElseThrow();
            VfioException e = catchThrowableOfType(() -> Sims.writeAll(in, stream), VfioException.class);
            assertThat(e).isNotNull();
            assertThat(e.error().is(Errno.EINVAL)).isTrue();
            assertThat(e.error().call()).isEqualTo("write(data_fd)");
            assertThat(e.error().message()).contains(why);
            assertThat(dst.getState()).isEqualTo(MigState.RESUMING);
            VfioException load = catchThrowableOfType(() -> dst.setState(MigState.STOP), VfioException.class);
            assertThat(load.error().is(Errno.EINVAL)).isTrue();
            assertThat(dst.getState()).isEqualTo(MigState.RESUMING);
            dst.reset();
            assertThat(dst.getState()).isEqualTo(MigState.RUNNING);
        }
    }
}
