package dev.migscope.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.DirtyBitmap;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.VfioCall;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An open vfio device: each method is one VFIO_DEVICE_FEATURE (or VFIO_DEVICE_RESET) ioctl on the
 * device fd, with the payload laid out at the offsets {@link Uapi} names.
 */
final class LinuxDeviceSession implements DeviceSession {

    /** A struct vfio_device_feature header and the largest fixed payload (DMA_LOGGING_REPORT's). */
    private static final int ARG_SIZE = Uapi.SIZEOF_VFIO_DEVICE_FEATURE
            + Uapi.SIZEOF_VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT;

    private final DeviceInfo info;
    /**
     * The argument of every VFIO_DEVICE_FEATURE ioctl, one per session and reused: a session is
     * called from one thread only (see {@link DeviceSession}), and a {@code Memory} a call (malloc
     * plus a Cleaner registration) cost more than the ioctl itself on the control path.
     */
    private final Memory arg = new Memory(ARG_SIZE);
    /** The same bytes as a direct buffer: its field accesses are compiled, Memory's are JNI calls. */
    private final ByteBuffer fields = arg.getByteBuffer(0, ARG_SIZE).order(ByteOrder.nativeOrder());
    private final DeviceOpener.OpenFds fds;
    /** data_fds handed out and not yet closed by their user; closed before the device fd. */
    private final List<LinuxMigrationStream> streams = new ArrayList<>();
    private boolean closed;

    LinuxDeviceSession(DeviceInfo info, DeviceOpener.OpenFds fds) {
        this.info = info;
        this.fds = fds;
    }

    @Override
    public DeviceInfo info() {
        return info;
    }

    /** {@code cdev} or {@code group}: how the device was opened. */
    String route() {
        return fds.route();
    }

    @Override
    public MigFeatures migrationFeatures() throws VfioException {
        ByteBuffer m = feature(Uapi.VFIO_DEVICE_FEATURE_GET | Uapi.VFIO_DEVICE_FEATURE_MIGRATION,
                Uapi.SIZEOF_VFIO_DEVICE_FEATURE_MIGRATION);
        call(VfioCall.GET_MIGRATION, null);
        long flags = m.getLong(Uapi.VFIO_DEVICE_FEATURE_DATA + Uapi.VFIO_DEVICE_FEATURE_MIGRATION_FLAGS);
        return new MigFeatures((int) flags);
    }

    @Override
    public MigState getState() throws VfioException {
        ByteBuffer m = feature(Uapi.VFIO_DEVICE_FEATURE_GET | Uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
                Uapi.SIZEOF_VFIO_DEVICE_FEATURE_MIG_STATE);
        call(VfioCall.GET_MIG_DEVICE_STATE, null);
        int abi = m.getInt(Uapi.VFIO_DEVICE_FEATURE_DATA + Uapi.VFIO_DEVICE_FEATURE_MIG_STATE_DEVICE_STATE);
        return MigState.fromAbi(abi).orElseThrow(() -> new VfioException(new VfioError(0,
                VfioCall.GET_MIG_DEVICE_STATE.text(), info.id(),
                "the kernel reported state " + abi + ", which Linux 6.12's vfio.h does not define")));
    }

    @Override
    public Optional<MigrationStream> setState(MigState target) throws VfioException {
        ByteBuffer m = feature(Uapi.VFIO_DEVICE_FEATURE_SET | Uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
                Uapi.SIZEOF_VFIO_DEVICE_FEATURE_MIG_STATE);
        m.putInt(Uapi.VFIO_DEVICE_FEATURE_DATA + Uapi.VFIO_DEVICE_FEATURE_MIG_STATE_DEVICE_STATE, target.abi());
        m.putInt(Uapi.VFIO_DEVICE_FEATURE_DATA + Uapi.VFIO_DEVICE_FEATURE_MIG_STATE_DATA_FD, -1);
        call(VfioCall.SET_MIG_DEVICE_STATE, target);
        int dataFd = m.getInt(Uapi.VFIO_DEVICE_FEATURE_DATA + Uapi.VFIO_DEVICE_FEATURE_MIG_STATE_DATA_FD);
        if (dataFd < 0) {
            return Optional.empty();
        }
        LinuxMigrationStream stream = new LinuxMigrationStream(dataFd, info.id(), streams::remove);
        streams.add(stream);
        return Optional.of(stream);
    }

    @Override
    public long migDataSize() throws VfioException {
        ByteBuffer m = feature(Uapi.VFIO_DEVICE_FEATURE_GET | Uapi.VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
                Uapi.SIZEOF_VFIO_DEVICE_FEATURE_MIG_DATA_SIZE);
        call(VfioCall.GET_MIG_DATA_SIZE, null);
        return m.getLong(Uapi.VFIO_DEVICE_FEATURE_DATA + Uapi.VFIO_DEVICE_FEATURE_MIG_DATA_SIZE_STOP_COPY_LENGTH);
    }

    @Override
    public boolean dmaLoggingSupported() {
        // PROBE with SET asks "does SET exist" without a payload (vfio_check_feature returns 0).
        feature(Uapi.VFIO_DEVICE_FEATURE_PROBE | Uapi.VFIO_DEVICE_FEATURE_SET
                | Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_START, 0);
        try {
            call(VfioCall.PROBE_DMA_LOGGING_START, null);
            return true;
        } catch (VfioException e) {
            return false;
        }
    }

    @Override
    public void dmaLoggingStart(long pageSize, List<IovaRange> ranges) throws VfioException {
        Memory rangeArray = new Memory((long) Math.max(1, ranges.size()) * Uapi.SIZEOF_VFIO_DEVICE_FEATURE_DMA_LOGGING_RANGE);
        rangeArray.clear();
        for (int i = 0; i < ranges.size(); i++) {
            long base = (long) i * Uapi.SIZEOF_VFIO_DEVICE_FEATURE_DMA_LOGGING_RANGE;
            rangeArray.setLong(base + Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_RANGE_IOVA, ranges.get(i).iova());
            rangeArray.setLong(base + Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_RANGE_LENGTH, ranges.get(i).length());
        }
        ByteBuffer m = feature(Uapi.VFIO_DEVICE_FEATURE_SET | Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
                Uapi.SIZEOF_VFIO_DEVICE_FEATURE_DMA_LOGGING_CONTROL);
        int d = Uapi.VFIO_DEVICE_FEATURE_DATA;
        m.putLong(d + Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_CONTROL_PAGE_SIZE, pageSize);
        m.putInt(d + Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_CONTROL_NUM_RANGES, ranges.size());
        m.putLong(d + Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_CONTROL_RANGES, Pointer.nativeValue(rangeArray));
        try {
            call(VfioCall.SET_DMA_LOGGING_START, null);
        } finally {
            // Only its address is in the argument: keep the Cleaner from freeing it before the kernel reads it.
            Reference.reachabilityFence(rangeArray);
        }
    }

    @Override
    public DirtyBitmap dmaLoggingReport(long iova, long length, long pageSize) throws VfioException {
        long pages = length / pageSize;
        long[] words = new long[(int) ((pages + 63) / 64)];
        Memory bitmap = new Memory(Math.max(8, words.length * 8L));
        bitmap.clear();
        ByteBuffer m = feature(Uapi.VFIO_DEVICE_FEATURE_GET | Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT,
                Uapi.SIZEOF_VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT);
        int d = Uapi.VFIO_DEVICE_FEATURE_DATA;
        m.putLong(d + Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT_IOVA, iova);
        m.putLong(d + Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT_LENGTH, length);
        m.putLong(d + Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT_PAGE_SIZE, pageSize);
        m.putLong(d + Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT_BITMAP, Pointer.nativeValue(bitmap));
        call(VfioCall.GET_DMA_LOGGING_REPORT, null);
        bitmap.read(0, words, 0, words.length);
        return new DirtyBitmap(iova, length, pageSize, words);
    }

    @Override
    public void dmaLoggingStop() throws VfioException {
        feature(Uapi.VFIO_DEVICE_FEATURE_SET | Uapi.VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP, 0);
        call(VfioCall.SET_DMA_LOGGING_STOP, null);
    }

    @Override
    public void probePrecopyInfoV2() throws VfioException {
        feature(Uapi.VFIO_DEVICE_FEATURE_PROBE | Uapi.VFIO_DEVICE_FEATURE_SET
                | Uapi.VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2, 0);
        call(VfioCall.PROBE_MIG_PRECOPY_INFO_V2, null);
    }

    @Override
    public void enablePrecopyInfoV2() throws VfioException {
        feature(Uapi.VFIO_DEVICE_FEATURE_SET | Uapi.VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2, 0);
        call(VfioCall.SET_MIG_PRECOPY_INFO_V2, null);
    }

    @Override
    public void reset() throws VfioException {
        ensureOpen(VfioCall.VFIO_DEVICE_RESET.text());
        try {
            LibC.ioctl(fds.deviceFd(), Uapi.VFIO_DEVICE_RESET, null);
        } catch (LastErrorException e) {
            throw new VfioException(VfioErrors.call(e.getErrorCode(), VfioCall.VFIO_DEVICE_RESET.text(), info.id(), false));
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (LinuxMigrationStream s : List.copyOf(streams)) {
            s.close();
        }
        fds.close();
    }

    /** Lays a struct vfio_device_feature header into the argument, {@code payload} zeroed bytes after it. */
    private ByteBuffer feature(int flags, int payload) {
        for (int i = 0; i < ARG_SIZE; i += Long.BYTES) {
            fields.putLong(i, 0);
        }
        fields.putInt(Uapi.VFIO_DEVICE_FEATURE_ARGSZ, Uapi.SIZEOF_VFIO_DEVICE_FEATURE + payload);
        fields.putInt(Uapi.VFIO_DEVICE_FEATURE_FLAGS, flags);
        return fields;
    }

    /**
     * The VFIO_DEVICE_FEATURE ioctl on the argument. {@code setTarget} is the state a SET
     * MIG_DEVICE_STATE asks for (null for the other features); the call's name is built only
     * when there is an error to report.
     */
    private void call(VfioCall call, MigState setTarget) throws VfioException {
        if (closed) {
            throw new VfioException(VfioError.of(Errno.EBADF, name(call, setTarget), info.id(),
                    "the session was closed"));
        }
        try {
            LibC.ioctl(fds.deviceFd(), Uapi.VFIO_DEVICE_FEATURE, arg);
        } catch (LastErrorException e) {
            throw new VfioException(VfioErrors.call(e.getErrorCode(), name(call, setTarget), info.id(),
                    setTarget != null));
        }
    }

    private static String name(VfioCall call, MigState setTarget) {
        return setTarget == null ? call.text() : call.with(setTarget);
    }

    private void ensureOpen(String call) throws VfioException {
        if (closed) {
            throw new VfioException(VfioError.of(Errno.EBADF, call, info.id(), "the session was closed"));
        }
    }
}
