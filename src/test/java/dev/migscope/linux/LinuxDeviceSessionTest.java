package dev.migscope.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.DirtyBitmap;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The argument {@link LinuxDeviceSession} lays out for each VFIO_DEVICE_FEATURE ioctl, as a
 * kernel reads it: the session reuses one buffer for every call, so each call must still carry
 * exactly its own header and payload (nothing left over from the previous call), pointers must
 * reach their data, and a failed call must be named in full (the SET's target included) though
 * the name is no longer built before the call. The device is opened by the real
 * {@link LinuxBackend} on a fake host tree; its ioctls go to a fake kernel put under the JNA
 * binding ({@link LibC#ioctls}).
 */
class LinuxDeviceSessionTest {

    static final String BDF = "0000:3b:00.1";

    /** What the kernel read of one VFIO_DEVICE_FEATURE argument: argsz bytes of it. */
    record Seen(int argsz, int flags, byte[] bytes) {
        int payloadInt(int offset) {
            return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder())
                    .getInt(Uapi.VFIO_DEVICE_FEATURE_DATA + offset);
        }
    }

    @TempDir
    Path tmp;

    final List<Seen> seen = new ArrayList<>();
    final List<long[]> rangesSeen = new ArrayList<>();
    int state = MigState.RUNNING.abi();
    int precopyFlagsIn = -1;
    int precopyArgsz;
    /** The errno the next VFIO_DEVICE_FEATURE fails with, 0 for success. */
    int failWith;
    DeviceSession session;

    int kernel(int fd, long request, Pointer arg) {
        if (request == Uapi.IOMMU_IOAS_ALLOC) {
            arg.setInt(Uapi.IOMMU_IOAS_ALLOC_OUT_IOAS_ID, 1);
        }
        if (request == Uapi.VFIO_MIG_GET_PRECOPY_INFO) {
            precopyFlagsIn = arg.getInt(Uapi.VFIO_PRECOPY_INFO_FLAGS);
            precopyArgsz = arg.getInt(Uapi.VFIO_PRECOPY_INFO_ARGSZ);
            // What a 7.1+ driver after the opt-in reports on re-initialisation.
            arg.setLong(Uapi.VFIO_PRECOPY_INFO_INITIAL_BYTES, 4096);
            arg.setLong(Uapi.VFIO_PRECOPY_INFO_DIRTY_BYTES, 0);
            arg.setInt(Uapi.VFIO_PRECOPY_INFO_FLAGS, Uapi.VFIO_PRECOPY_INFO_REINIT);
            return 0;
        }
        if (request != Uapi.VFIO_DEVICE_FEATURE) {
            return 0;
        }
        int argsz = arg.getInt(Uapi.VFIO_DEVICE_FEATURE_ARGSZ);
        int flags = arg.getInt(Uapi.VFIO_DEVICE_FEATURE_FLAGS);
        seen.add(new Seen(argsz, flags, arg.getByteArray(0, argsz)));
        if (failWith != 0) {
            throw new LastErrorException(failWith);
        }
        int d = Uapi.VFIO_DEVICE_FEATURE_DATA;
        boolean get = (flags & Uapi.VFIO_DEVICE_FEATURE_GET) != 0;
        switch (flags & 0xffff) {
            case Uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE -> {
                if (get) {
                    arg.setInt(d + Uapi.VFIO_DEVICE_FEATURE_MIG_STATE_DEVICE_STATE, state);
                } else {
                    state = arg.getInt(d + Uapi.VFIO_DEVICE_FEATURE_MIG_STATE_DEVICE_STATE);
                }
            }
            case Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_START -> {
                if ((flags & Uapi.VFIO_DEVICE_FEATURE_PROBE) == 0) {
                    int n = arg.getInt(d + Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_CONTROL_NUM_RANGES);
                    Pointer ranges = arg.getPointer(d + Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_CONTROL_RANGES);
                    for (int i = 0; i < n; i++) {
                        long base = (long) i * Uapi.SIZEOF_VFIO_DEVICE_FEATURE_DMA_LOGGING_RANGE;
                        rangesSeen.add(new long[] {
                                ranges.getLong(base + Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_RANGE_IOVA),
                                ranges.getLong(base + Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_RANGE_LENGTH)});
                    }
                }
            }
            case Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT -> {
                // pages 0 and 2 dirty, written where the argument's bitmap pointer points
                Pointer bitmap = arg.getPointer(d + Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT_BITMAP);
                bitmap.setLong(0, 0b101);
            }
            default -> {
                // nothing to fill in
            }
        }
        return 0;
    }

    @BeforeEach
    void open() throws Exception {
        LibC.ioctls = this::kernel;
        FakeHost host = new FakeHost(tmp.resolve("host"));
        Path d = host.pci(BDF, "mlx5_vfio_pci", "0x15b3", "0x101e");
        host.group(d, 12, false);
        host.cdev(d, 0, true);
        session = new LinuxBackend(host.roots(), p -> true).open(BDF);
        seen.clear();
    }

    @AfterEach
    void restoreTheKernel() {
        if (session != null) {
            session.close();
        }
        LibC.ioctls = ORIGINAL;
    }

    private static final LibC.Ioctl ORIGINAL = LibC.ioctls;

    @Test
    void eachCallCarriesOnlyItsOwnHeaderAndPayload() throws Exception {
        // the largest payload first, so that anything left in the reused buffer would show after it
        DirtyBitmap bitmap = session.dmaLoggingReport(1 << 20, 4 << 12, 4096);
        assertThat(bitmap.dirtyPages()).isEqualTo(2);
        session.setState(MigState.STOP);
        assertThat(session.getState()).isEqualTo(MigState.STOP);
        session.dmaLoggingStop();

        int header = Uapi.SIZEOF_VFIO_DEVICE_FEATURE;
        Seen report = seen.get(0);
        assertThat(report.argsz()).isEqualTo(header + Uapi.SIZEOF_VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT);
        Seen set = seen.get(1);
        assertThat(set.argsz()).isEqualTo(header + Uapi.SIZEOF_VFIO_DEVICE_FEATURE_MIG_STATE);
        assertThat(set.flags()).isEqualTo(Uapi.VFIO_DEVICE_FEATURE_SET | Uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE);
        assertThat(set.payloadInt(Uapi.VFIO_DEVICE_FEATURE_MIG_STATE_DEVICE_STATE)).isEqualTo(MigState.STOP.abi());
        assertThat(set.payloadInt(Uapi.VFIO_DEVICE_FEATURE_MIG_STATE_DATA_FD)).isEqualTo(-1);
        Seen get = seen.get(2);
        assertThat(get.argsz()).isEqualTo(header + Uapi.SIZEOF_VFIO_DEVICE_FEATURE_MIG_STATE);
        assertThat(get.flags()).isEqualTo(Uapi.VFIO_DEVICE_FEATURE_GET | Uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE);
        assertThat(Arrays.copyOfRange(get.bytes(), header, get.argsz()))
                .as("a GET's payload is zeroed, not the previous SET's").containsOnly(0);
        Seen stop = seen.get(3);
        assertThat(stop.argsz()).isEqualTo(header);
        assertThat(stop.flags()).isEqualTo(Uapi.VFIO_DEVICE_FEATURE_SET | Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP);
    }

    @Test
    void dmaLoggingStartPointsTheKernelAtItsRanges() throws Exception {
        session.dmaLoggingStart(4096, List.of(new IovaRange(0, 1 << 20), new IovaRange(1L << 32, 8192)));
        assertThat(rangesSeen).containsExactly(new long[] {0, 1 << 20}, new long[] {1L << 32, 8192});
    }

    @Test
    void aFailedSetIsNamedWithItsTarget() {
        failWith = Errno.EINVAL.number();
        assertThatThrownBy(() -> session.setState(MigState.STOP_COPY))
                .isInstanceOfSatisfying(VfioException.class, e -> {
                    VfioError err = e.error();
                    assertThat(err.call()).isEqualTo("SET MIG_DEVICE_STATE STOP_COPY");
                    assertThat(err.is(Errno.EINVAL)).isTrue();
                });
        assertThatThrownBy(() -> session.getState())
                .isInstanceOfSatisfying(VfioException.class, e ->
                        assertThat(e.error().call()).isEqualTo("GET MIG_DEVICE_STATE"));
    }

    /** Linux 7.1's opt-in: a PROBE and a SET of feature 12, each a bare header (the feature has no payload). */
    @Test
    void precopyInfoV2IsAProbeThenASetWithoutPayload() throws Exception {
        session.probePrecopyInfoV2();
        session.enablePrecopyInfoV2();

        int header = Uapi.SIZEOF_VFIO_DEVICE_FEATURE;
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0).argsz()).isEqualTo(header);
        assertThat(seen.get(0).flags()).isEqualTo(Uapi.VFIO_DEVICE_FEATURE_PROBE | Uapi.VFIO_DEVICE_FEATURE_SET | 12);
        assertThat(seen.get(1).argsz()).isEqualTo(header);
        assertThat(seen.get(1).flags()).isEqualTo(Uapi.VFIO_DEVICE_FEATURE_SET | 12);
    }

    @Test
    void precopyInfoV2OnAKernelBefore71SaysSo() {
        failWith = Errno.ENOTTY.number();
        assertThatThrownBy(session::probePrecopyInfoV2).isInstanceOfSatisfying(VfioException.class, e -> {
            assertThat(e.error().call()).isEqualTo("PROBE MIG_PRECOPY_INFOv2");
            assertThat(e.error().message()).contains("predates Linux 7.1");
        });
        failWith = Errno.EINVAL.number();
        assertThatThrownBy(session::enablePrecopyInfoV2).isInstanceOfSatisfying(VfioException.class, e -> {
            assertThat(e.error().call()).isEqualTo("SET MIG_PRECOPY_INFOv2");
            assertThat(e.error().message()).contains("no PRE_COPY");
        });
    }

    /** PRECOPY_INFO passes flags in as 0 (old drivers echo them) and hands back what the driver wrote. */
    @Test
    void precopyInfoCarriesTheFlags() throws Exception {
        // A real fd of ours stands in for the data_fd: the stream closes it.
        Path file = tmp.resolve("data_fd");
        java.nio.file.Files.writeString(file, "");
        int fd = LibC.open(file.toString(), Uapi.O_RDWR | Uapi.O_CLOEXEC);
        try (LinuxMigrationStream stream = new LinuxMigrationStream(fd, BDF, s -> { })) {
            PrecopyInfo info = stream.precopyInfo();

            assertThat(precopyArgsz).isEqualTo(Uapi.SIZEOF_VFIO_PRECOPY_INFO);
            assertThat(precopyFlagsIn).isZero();
            assertThat(info).isEqualTo(new PrecopyInfo(4096, 0, PrecopyInfo.REINIT));
            assertThat(info.reinit()).isTrue();
        }
    }

    @Test
    void aClosedSessionRefusesWithoutACall() {
        session.close();
        assertThatThrownBy(() -> session.setState(MigState.STOP))
                .isInstanceOfSatisfying(VfioException.class, e -> {
                    assertThat(e.error().call()).isEqualTo("SET MIG_DEVICE_STATE STOP");
                    assertThat(e.error().is(Errno.EBADF)).isTrue();
                });
        assertThat(seen).isEmpty();
    }
}
