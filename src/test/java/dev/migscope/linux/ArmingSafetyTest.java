package dev.migscope.linux;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Pointer;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.VfioError;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.view.Cancellation;
import dev.migscope.device.MigrationFile;
import dev.migscope.session.MigrationSession;
import dev.migscope.view.Progress;
import dev.migscope.session.SessionOptions;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No state-changing call reaches a real device unless the session is armed. The real
 * {@link LinuxBackend} opens a device of a fake host tree (its open(2) calls are real, on regular
 * files) and every ioctl goes to a recorder put under the JNA binding ({@link LibC#ioctls}), which
 * answers as a kernel with an mtty-like device would. A disarmed session is asked for everything:
 * every target state, a reset, DMA logging start and stop, a save and the resume of a valid file.
 * The recorded requests are only the open's (BIND_IOMMUFD, IOAS_ALLOC, ATTACH_IOMMUFD_PT) and
 * VFIO_DEVICE_FEATURE GETs and PROBEs. Armed, the same recorder sees the SETs and the RESET: it is
 * not blind.
 */
class ArmingSafetyTest {

    static final String BDF = "0000:3b:00.1";

    /** One ioctl as the recorder saw it: the request number and, for VFIO_DEVICE_FEATURE, its flags. */
    record Call(long request, int flags) {
        boolean changesState() {
            if (request == Uapi.VFIO_DEVICE_RESET) {
                return true;
            }
            if (request != Uapi.VFIO_DEVICE_FEATURE) {
                return false;
            }
            boolean get = (flags & Uapi.VFIO_DEVICE_FEATURE_GET) != 0;
            boolean probe = (flags & Uapi.VFIO_DEVICE_FEATURE_PROBE) != 0;
            return !get && !probe && !selectsPrecopyInfoAbi();
        }

        /**
         * The SET of MIG_PRECOPY_INFOv2 (Linux 7.1) changes nothing of the device: it makes
         * vfio_precopy_info.flags an output for this opener, and the kernel clears it at the last
         * close (vfio_df_device_last_close: device->precopy_info_v2 = 0). A disarmed session may send
         * it; it is the only SET it may send.
         */
        boolean selectsPrecopyInfoAbi() {
            return request == Uapi.VFIO_DEVICE_FEATURE && feature() == Uapi.VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2
                    && (flags & Uapi.VFIO_DEVICE_FEATURE_SET) != 0;
        }

        int feature() {
            return flags & 0xffff;
        }
    }

    @TempDir
    Path tmp;

    final List<Call> calls = new CopyOnWriteArrayList<>();
    volatile int state = MigState.RUNNING.abi();
    MigrationSession session;

    /** A kernel with one device of every migration feature; it never returns a data_fd. */
    int kernel(int fd, long request, Pointer arg) {
        int flags = request == Uapi.VFIO_DEVICE_FEATURE ? arg.getInt(Uapi.VFIO_DEVICE_FEATURE_FLAGS) : 0;
        calls.add(new Call(request, flags));
        int d = Uapi.VFIO_DEVICE_FEATURE_DATA;
        if (request == Uapi.IOMMU_IOAS_ALLOC) {
            arg.setInt(Uapi.IOMMU_IOAS_ALLOC_OUT_IOAS_ID, 1);
        } else if (request == Uapi.VFIO_DEVICE_RESET) {
            state = MigState.RUNNING.abi();
        } else if (request == Uapi.VFIO_DEVICE_FEATURE && (flags & Uapi.VFIO_DEVICE_FEATURE_PROBE) == 0) {
            boolean get = (flags & Uapi.VFIO_DEVICE_FEATURE_GET) != 0;
            switch (flags & 0xffff) {
                case Uapi.VFIO_DEVICE_FEATURE_MIGRATION -> arg.setLong(d, MigFeatures.ALL.flags());
                case Uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE -> {
                    if (get) {
                        arg.setInt(d + Uapi.VFIO_DEVICE_FEATURE_MIG_STATE_DEVICE_STATE, state);
                    } else {
                        state = arg.getInt(d + Uapi.VFIO_DEVICE_FEATURE_MIG_STATE_DEVICE_STATE);
                        arg.setInt(d + Uapi.VFIO_DEVICE_FEATURE_MIG_STATE_DATA_FD, -1);
                    }
                }
                case Uapi.VFIO_DEVICE_FEATURE_MIG_DATA_SIZE -> arg.setLong(d, 4096);
                default -> {
                    // DMA logging: accepted, nothing to fill in
                }
            }
        }
        return 0;
    }

    @BeforeEach
    void openADisarmedSession() throws Exception {
        LibC.ioctls = this::kernel;
        FakeHost host = new FakeHost(tmp.resolve("host"));
        Path d = host.pci(BDF, "mlx5_vfio_pci", "0x15b3", "0x101e");
        host.group(d, 12, false);
        host.cdev(d, 0, true);
        DeviceRegistry registry = new DeviceRegistry(List.of(new LinuxBackend(host.roots(), p -> true)), List.of(),
                false);
        session = MigrationSession.open(registry, BDF, SessionOptions.defaults().withSampleInterval(
                Duration.ofHours(1)));
    }

    @AfterEach
    void restoreTheKernel() {
        if (session != null) {
            session.close();
        }
        LibC.ioctls = ORIGINAL;
    }

    /** The kernel's binding, put back after each test. */
    private static final LibC.Ioctl ORIGINAL = LibC.ioctls;

    @Test
    void aDisarmedSessionSendsOnlyGetsAndProbes() throws Exception {
        assertThat(session.isArmed()).isFalse();
        assertThat(session.state()).isEqualTo(MigState.RUNNING);
        Predicate<VfioError> notArmed = e -> e != null && e.is(Errno.EPERM) && e.message().contains("not armed");
        for (MigState target : MigState.values()) {
            assertThat(join(session.transition(target)).error()).matches(notArmed, "refused: not armed");
        }
        assertThat(join(session.reset()).error()).matches(notArmed, "reset refused");
        assertThat(join(session.startDmaLogging(4096, List.of(new IovaRange(0, 1 << 20)))))
                .hasValueSatisfying(e -> assertThat(notArmed.test(e)).isTrue());
        assertThat(join(session.stopDmaLogging())).hasValueSatisfying(e -> assertThat(notArmed.test(e)).isTrue());
        assertThat(join(session.save(tmp.resolve("x.mig"), null, Progress.NONE, new Cancellation())).error())
                .matches(notArmed, "save refused");
        Path file = validStreamFile();
        assertThat(join(session.resume(file, MigState.RUNNING, Progress.NONE, new Cancellation())).error())
                .matches(notArmed, "resume refused");
        join(session.refreshState());

        assertThat(calls).isNotEmpty();
        assertThat(calls).noneMatch(Call::changesState);
        assertThat(calls.stream().map(Call::request).distinct()).containsOnly(Uapi.VFIO_DEVICE_BIND_IOMMUFD,
                Uapi.IOMMU_IOAS_ALLOC, Uapi.VFIO_DEVICE_ATTACH_IOMMUFD_PT, Uapi.VFIO_DEVICE_FEATURE);
        assertThat(MigState.fromAbi(state)).contains(MigState.RUNNING);
        assertThat(calls.stream().filter(c -> c.request() == Uapi.VFIO_DEVICE_FEATURE
                && (c.flags() & (Uapi.VFIO_DEVICE_FEATURE_GET | Uapi.VFIO_DEVICE_FEATURE_PROBE)) == 0))
                .allMatch(Call::selectsPrecopyInfoAbi);
        System.out.println("arming safety: " + calls.size() + " ioctls recorded from a disarmed session, "
                + "no SET but the PRECOPY_INFOv2 opt-in, no RESET");

        // The recorder is not blind: armed, the SETs and the RESET are there.
        session.setArmed(true);
        int before = calls.size();
        assertThat(join(session.transition(MigState.STOP)).ok()).isTrue();
        assertThat(join(session.reset()).ok()).isTrue();
        List<Call> armed = calls.subList(before, calls.size());
        assertThat(armed).anyMatch(c -> c.changesState()
                && c.feature() == Uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE);
        assertThat(armed).anyMatch(c -> c.request() == Uapi.VFIO_DEVICE_RESET);
    }

    /** A complete, valid stream file from a device like this one, so only arming can refuse it. */
    private Path validStreamFile() throws Exception {
        Path file = tmp.resolve("valid.mig");
        MigrationFile.Source src = new MigrationFile.Source("mlx5_vfio_pci", "0000:3b:00.2", "0x15b3", "0x101e",
                MigFeatures.ALL);
        try (MigrationFile.Writer w = new MigrationFile.Writer(file, src, List.of(MigState.STOP_COPY),
                MigrationFile.ChannelOpener.DEFAULT)) {
            w.beginPhase(MigState.STOP_COPY);
            w.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
            w.commit();
        }
        assertThat(MigrationFile.verify(file).source().driver()).isEqualTo("mlx5_vfio_pci");
        return file;
    }

    private static <T> T join(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }
}
