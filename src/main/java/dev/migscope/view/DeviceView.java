package dev.migscope.view;

import dev.migscope.device.DeviceInfo;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.telemetry.Telemetry;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What a front end shows of one device: its identity, feature set, last known state, telemetry
 * and events, and whether it can be driven. A device migscope drives ({@code MigrationSession}),
 * a device QEMU migrates (observed over QMP) and a device on another host are kinds of it; the
 * graph, the charts and the log read only this.
 */
public interface DeviceView extends AutoCloseable {

    String id();

    DeviceInfo info();

    MigFeatures features();

    /** The last state seen: the last GET, or the last state the observed client reported. */
    MigState state();

    /**
     * The state now: a GET where the view can make one (also a passive watch's read), else the
     * last state its client reported. A failed GET completes exceptionally with its
     * {@code VfioException}.
     */
    CompletableFuture<MigState> refreshState();

    /** True when the view only watches a device another process drives (QEMU, or a debugfs watch). */
    boolean isPassive();

    /** Samples on the view's own clock; times are relative to {@link #startNanos()}. */
    Telemetry telemetry();

    /** Which figures {@link #telemetry()} carries: the charts a front end shows for it. */
    default TelemetryKind telemetryKind() {
        return TelemetryKind.DEVICE;
    }

    /**
     * The states the device reached, oldest first, with their times on the telemetry's clock (at
     * most {@link StateHistory#CAPACITY}): the charts shade its phases from them.
     */
    List<StateChange> stateChanges();

    /** The view's time zero, in {@link System#nanoTime()} terms. */
    long startNanos();

    /** Events arrive on the view's own thread; a front end hands them to its thread and never blocks. */
    void addListener(DeviceListener listener);

    /** Stops delivering to {@code listener}; events already being delivered may still reach it. */
    void removeListener(DeviceListener listener);

    /**
     * Why the view no longer follows its device, as a sentence that stands after the device's id:
     * the device went away, or the connection or the process its state came through ended. The
     * view then keeps its last known state. Empty while the device is followed.
     */
    Optional<String> lost();

    /** True once the view lost its device ({@link #lost()}); it then stays as it last was. */
    default boolean isGone() {
        return lost().isPresent();
    }

    /** The host the device is on, as the user named it, when that is not this machine. */
    default Optional<String> hostName() {
        return Optional.empty();
    }

    /** Whether the device accepted the PRECOPY_INFOv2 opt-in; a view that did not open the device cannot tell. */
    default PrecopyInfoV2 precopyInfoV2() {
        return PrecopyInfoV2.UNKNOWN;
    }

    /**
     * Present when this view may change the device (still subject to arming); empty for a read-only
     * view, and for one that lost its device.
     */
    Optional<DeviceControl> control();

    /** Lets the device go: a driven one is closed, a watch or an observation stops. Idempotent. */
    @Override
    void close();
}
