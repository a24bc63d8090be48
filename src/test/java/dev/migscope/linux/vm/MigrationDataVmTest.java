package dev.migscope.linux.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.migscope.device.DeviceSession;
import dev.migscope.device.DirtyBitmap;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The data_fd, MIG_DATA_SIZE and DMA logging of mtty, and a save -> resume between the two mdevs. */
@Tag("vm")
class MigrationDataVmTest {

    /** offsetof(struct mtty_data, ports): magic, major, minor, nr_ports, flags. */
    static final int MTTY_HEADER = 24;

    @AfterAll
    static void leaveTheMttysRunning() throws VfioException {
        VmRig.resetAll();
    }

    @Test
    void preCopyStreamsTheHeaderThenStopCopyContinuesTheSameFd() throws VfioException {
        try (DeviceSession s = VmRig.openFresh(VmRig.mtty(0))) {
            long size = s.migDataSize();
            MigrationStream fd = s.setState(MigState.PRE_COPY).orElseThrow();

            assertThat(fd.precopyInfo()).isEqualTo(new PrecopyInfo(MTTY_HEADER, 0));
            assertThat(VmRig.drain(fd)).hasSize(MTTY_HEADER);
            assertThat(fd.precopyInfo()).isEqualTo(new PrecopyInfo(0, 0));
            // mtty_save_read returns 0 there, not ENOMSG (MigrationStream.ENOMSG would say so).
            assertThat(fd.read(ByteBuffer.allocate(64))).as("temporary end of stream").isZero();

            // PRE_COPY -> PRE_COPY_P2P -> STOP_COPY: no new fd, the ports follow on the same one.
            assertThat(s.setState(MigState.STOP_COPY)).isEmpty();
            byte[] rest = VmRig.drain(fd);

            assertThat(MTTY_HEADER + rest.length).isEqualTo(size);
            assertThat(fd.bytesTransferred()).isEqualTo(size);
            assertThat(s.getState()).isEqualTo(MigState.STOP_COPY);
            assertThatThrownBy(fd::precopyInfo).isInstanceOfSatisfying(VfioException.class,
                    e -> assertThat(e.error().is(Errno.EINVAL)).isTrue());
        }
    }

    @Test
    void stopCopyDrainsToReadZeroAndMatchesMigDataSize() throws VfioException {
        try (DeviceSession s = VmRig.openFresh(VmRig.mtty(0))) {
            long size = s.migDataSize();
            assertThat(size).isGreaterThan(MTTY_HEADER);

            MigrationStream fd = s.setState(MigState.STOP_COPY).orElseThrow();
            byte[] data = VmRig.drain(fd);

            assertThat(data).hasSize((int) size);
            assertThat(fd.read(ByteBuffer.allocateDirect(16))).as("the end stays the end").isZero();
            assertThat(fd.poll(0)).as("poll on a finished stream says readable").isTrue();
            s.setState(MigState.STOP);
            assertThat(s.getState()).isEqualTo(MigState.STOP);
        }
    }

    @Test
    void dmaLoggingStartAndStop() throws VfioException {
        try (DeviceSession s = VmRig.openFresh(VmRig.mtty(0))) {
            assertThat(s.dmaLoggingSupported()).isTrue();

            s.dmaLoggingStart(4096, List.of(new IovaRange(0, 1 << 20), new IovaRange(1L << 30, 1 << 20)));
            s.dmaLoggingStop();

            assertThatThrownBy(() -> s.dmaLoggingStart(4096, List.of())).isInstanceOfSatisfying(VfioException.class,
                    e -> assertThat(e.error().is(Errno.EINVAL)).as("num_ranges 0").isTrue());
        }
    }

    /** Needs CONFIG_IOMMUFD_DRIVER in the guest kernel (README-suite.md): without it REPORT is EOPNOTSUPP. */
    @Test
    void dmaLoggingReport() throws VfioException {
        try (DeviceSession s = VmRig.openFresh(VmRig.mtty(0))) {
            s.dmaLoggingStart(4096, List.of(new IovaRange(0, 1 << 20)));
            DirtyBitmap report = s.dmaLoggingReport(0, 1 << 20, 4096);
            s.dmaLoggingStop();

            assertThat(report.pages()).isEqualTo(256);
            assertThat(report.words()).hasSize(4);
            // mtty's log_read_and_clear is a stub: nothing is ever dirty.
            assertThat(report.dirtyPages()).isZero();
        }
    }

    @Test
    void saveOnOneDeviceResumesIntoTheOther() throws VfioException {
        try (DeviceSession source = VmRig.openFresh(VmRig.mtty(0));
                DeviceSession target = VmRig.openFresh(VmRig.mtty(1))) {
            byte[] image = VmRig.save(source);
            source.setState(MigState.STOP);

            MigrationStream in = target.setState(MigState.RESUMING).orElseThrow();
            VmRig.writeAll(in, image);
            assertThat(in.bytesTransferred()).isEqualTo(image.length);
            target.setState(MigState.STOP);
            assertThat(target.getState()).isEqualTo(MigState.STOP);
            target.setState(MigState.RUNNING);

            assertThat(target.getState()).isEqualTo(MigState.RUNNING);
        }
    }

    @Test
    void garbageIsRefusedAndTheDeviceStaysResuming() throws VfioException {
        try (DeviceSession s = VmRig.openFresh(VmRig.mtty(1))) {
            byte[] garbage = new byte[(int) s.migDataSize()];
            new Random(42).nextBytes(garbage);
            MigrationStream in = s.setState(MigState.RESUMING).orElseThrow();

            // mtty_resume_write checks the header once 24 bytes are in and answers EFAULT.
            assertThatThrownBy(() -> in.write(ByteBuffer.wrap(garbage))).isInstanceOfSatisfying(VfioException.class,
                    e -> assertThat(e.error().errno()).as(e.error().describe())
                            .isIn(Errno.EFAULT.number(), Errno.EINVAL.number()));
            assertThat(s.getState()).isEqualTo(MigState.RESUMING);
        }
    }

    @Test
    void aTruncatedStreamIsRefusedAtResumingToStop() throws VfioException {
        try (DeviceSession s = VmRig.openFresh(VmRig.mtty(1))) {
            byte[] image = VmRig.image(s);
            MigrationStream in = s.setState(MigState.RESUMING).orElseThrow();
            VmRig.writeAll(in, Arrays.copyOf(image, image.length - 1));

            // mtty_load_state: fewer bytes than mtty_data_size() -> -EINVAL, the device stays in RESUMING.
            assertThatThrownBy(() -> s.setState(MigState.STOP)).isInstanceOfSatisfying(VfioException.class,
                    e -> assertThat(e.error().is(Errno.EINVAL)).as(e.error().describe()).isTrue());
            assertThat(s.getState()).isEqualTo(MigState.RESUMING);
        }
    }
}
