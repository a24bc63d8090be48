package dev.migscope.session;

import dev.migscope.device.DeviceBackend;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.StreamIo;
import dev.migscope.device.VfioCall;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeature;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.telemetry.Telemetry;
import dev.migscope.view.DeviceEvent;
import dev.migscope.view.DeviceEvent.Kind;
import dev.migscope.view.Listeners;
import dev.migscope.view.StateHistory;
import dev.migscope.view.PrecopyInfoV2;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;

/**
 * What the parts of one session share on its device thread: the open device (or the backend that
 * watches it), what it is, the state of the last GET, the data_fd, the options, the telemetry and
 * the listeners. {@link MigrationSession} owns it; the transition path ({@link Transitions}),
 * save and resume ({@link SaveResume}) and the {@link Sampler} each work through it. Fields marked
 * volatile are read from any thread; everything else belongs to the device thread.
 */
final class DeviceContext {

    final String id;
    final DeviceInfo info;
    /** Null when passive. */
    final DeviceSession device;
    /** Non-null when passive. */
    private final DeviceBackend watchBackend;
    final MigFeatures features;
    final boolean dmaLoggingSupported;
    final SessionOptions options;
    final Telemetry telemetry;
    /** The session clock's time zero: telemetry times are relative to it. */
    final long startNanos;
    final StreamIo io;
    final Listeners listeners = new Listeners();
    final StateHistory history = new StateHistory();

    volatile MigState state;
    volatile boolean armed;
    volatile boolean gone;
    volatile boolean closed;
    volatile boolean dmaLogging;
    volatile PrecopyInfoV2 precopyInfoV2 = PrecopyInfoV2.UNKNOWN;
    private volatile ScheduledFuture<?> sampling;

    // Device-thread-only state.
    /** The data_fd of the saving or resuming session now open; null when none. */
    MigrationStream stream;
    List<IovaRange> dmaRanges = List.of();
    long dmaPageSize;
    private boolean migDataSizeSupported = true;
    /** The flags of the PRECOPY_INFOs read since the sampler last took them, or-ed. */
    private int precopyFlags;

    DeviceContext(String id, DeviceInfo info, DeviceSession device, DeviceBackend watchBackend, MigFeatures features,
            boolean dmaLoggingSupported, MigState initial, SessionOptions options) {
        this.id = id;
        this.info = info;
        this.device = device;
        this.watchBackend = watchBackend;
        this.features = features;
        this.dmaLoggingSupported = dmaLoggingSupported;
        this.options = options;
        this.armed = options.armed();
        this.telemetry = new Telemetry(options.historyCapacity());
        this.startNanos = options.clock().getAsLong();
        reached(initial);
        this.io = new StreamIo(id);
    }

    boolean isPassive() {
        return device == null;
    }

    /** The session clock (a simulator's manual clock in tests), in nanoseconds. */
    long now() {
        return options.clock().getAsLong();
    }

    /** The sampler's schedule, cancelled when the device goes or the session closes. */
    void sampling(ScheduledFuture<?> schedule) {
        this.sampling = schedule;
    }

    void stopSampling() {
        ScheduledFuture<?> s = sampling;
        if (s != null) {
            s.cancel(false);
        }
    }

    // ---------------------------------------------------------------- state and data_fd

    /** GET MIG_DEVICE_STATE (or the debugfs watch when passive); marks the device gone on ENODEV. */
    MigState readState() throws VfioException {
        try {
            MigState s = device == null ? watchBackend.watchState(id).orElseThrow(() -> new VfioException(
                    VfioError.of(Errno.EIO, "read debugfs migration/state", id, "the debugfs state file vanished")))
                    : device.getState();
            reached(s);
            return s;
        } catch (VfioException e) {
            if (e.error().is(Errno.ENODEV)) {
                markGone(e.error());
            }
            throw e;
        }
    }

    /** The device is in {@code s} now (a GET read it, or a SET reached it): the one place the state is set. */
    void reached(MigState s) {
        state = s;
        history.reached(now() - startNanos, s);
    }

    /** {@link #readState} with a failure logged rather than thrown. */
    void readStateLogged() {
        try {
            readState();
        } catch (VfioException e) {
            emit(Kind.STATE_OBSERVED, VfioCall.GET_MIG_DEVICE_STATE.text(), null, null, Duration.ZERO, e.error(), "");
        }
    }

    void rereadAfterError() {
        try {
            readState();
        } catch (VfioException ignored) {
            // the caller reports the first error; the state stays the last known
        }
    }

    /** GET MIG_DATA_SIZE; 0 when it fails. After ENOTTY it is never asked again. */
    long migDataSizeOrZero() {
        if (!migDataSizeSupported || device == null) {
            return 0;
        }
        try {
            return device.migDataSize();
        } catch (VfioException e) {
            if (e.error().is(Errno.ENOTTY)) {
                migDataSizeSupported = false;
            }
            return 0;
        }
    }

    /** False once MIG_DATA_SIZE answered ENOTTY: the driver does not implement it. */
    boolean migDataSizeSupported() {
        return migDataSizeSupported;
    }

    /**
     * Opts in to PRECOPY_INFOv2 when the device has PRE_COPY and the kernel the feature (a PROBE says
     * so), so that PRECOPY_INFO's flags say REINIT. A kernel before 7.1 answers the PROBE with ENOTTY:
     * the session goes on without flags.
     */
    void optInPrecopyInfoV2() {
        if (!features.has(MigFeature.PRE_COPY)) {
            precopyInfoV2 = PrecopyInfoV2.NO_PRE_COPY;
            return;
        }
        try {
            device.probePrecopyInfoV2();
            device.enablePrecopyInfoV2();
            precopyInfoV2 = PrecopyInfoV2.ACCEPTED;
        } catch (VfioException e) {
            precopyInfoV2 = e.error().is(Errno.ENOTTY) ? PrecopyInfoV2.NOT_IN_KERNEL : PrecopyInfoV2.REFUSED;
        }
    }

    /** VFIO_MIG_GET_PRECOPY_INFO, the one way the session asks it: keeps its flags and logs each REINIT. */
    PrecopyInfo precopyInfo(MigrationStream s) throws VfioException {
        PrecopyInfo pi = s.precopyInfo();
        precopyFlags |= pi.flags();
        if (pi.reinit()) {
            emit(Kind.REINIT, VfioCall.VFIO_MIG_GET_PRECOPY_INFO.text(), null, null, Duration.ZERO, null,
                    "REINIT: new initial data on the stream; initial_bytes may grow, dirty_bytes restarts");
        }
        return pi;
    }

    /** The flags of the PRECOPY_INFOs read since the last call, or-ed; for the sampler. */
    int takePrecopyFlags() {
        int f = precopyFlags;
        precopyFlags = 0;
        return f;
    }

    /** The data_fd, or EBADF naming the call that needed one. */
    MigrationStream stream(VfioCall call, String phase) throws VfioException {
        if (stream == null) {
            throw new VfioException(VfioError.of(Errno.EBADF, call.text(), id,
                    "the device returned no data_fd for " + phase));
        }
        return stream;
    }

    void closeStream() {
        if (stream != null) {
            stream.close();
            stream = null;
        }
    }

    private void markGone(VfioError error) {
        if (!gone) {
            gone = true;
            stopSampling();
            emit(Kind.DEVICE_GONE, error.call(), null, null, Duration.ZERO, error,
                    "the device is gone; sampling stopped");
        }
    }

    /** Refuses a state-changing call on a passive, disarmed, gone or closed session. */
    Optional<VfioError> guard(String call) {
        if (isPassive()) {
            return Optional.of(VfioError.of(Errno.EPERM, call, id, "this is a read-only watch of a device another "
                    + "process holds" + info.ownerIfBusy().map(o -> " (" + o + ")").orElse("")
                    + "; migscope changes nothing on it"));
        }
        if (gone) {
            return Optional.of(VfioError.of(Errno.ENODEV, call, id, "the device was removed"));
        }
        if (!armed) {
            return Optional.of(VfioError.of(Errno.EPERM, call, id,
                    "the device is not armed: arm it first (toolbar Arm, Ctrl+A), so that nothing changes a "
                            + "device by accident"));
        }
        return Optional.empty();
    }

    // ---------------------------------------------------------------- events

    void emit(Kind kind, String call, MigState from, MigState to, Duration d, VfioError e, String msg) {
        emit(new DeviceEvent(Instant.now(), kind, call, from, to, null, List.of(), d, e, null, -1, msg));
    }

    void emit(DeviceEvent e) {
        listeners.emit(e);
    }

    static Duration since(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0);
    }
}
