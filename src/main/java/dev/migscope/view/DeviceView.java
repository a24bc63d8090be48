package dev.migscope.view;

import dev.migscope.device.DeviceInfo;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.telemetry.Telemetry;
import java.util.List;
import java.util.Optional;

/**
 * What a front end shows of one device: its identity, feature set, last known state, telemetry
 * and events, and whether it can be driven. A device migscope drives ({@code MigrationSession}),
 * a device QEMU migrates (observed over QMP) and a device on another host are kinds of it; the
 * graph, the charts and the log read only this.
 */
public interface DeviceView {

    String id();

    DeviceInfo info();

    MigFeatures features();

    /** The last state seen: the last GET, or the last state the observed client reported. */
    MigState state();

    /** Samples on the view's own clock; times are relative to {@link #startNanos()}. */
    Telemetry telemetry();

    /** Which figures {@link #telemetry()} carries: the charts a front end shows for it. */
    default TelemetryKind telemetryKind() {
        return TelemetryKind.DEVICE;
    }

    /**
     * The states the device reached, oldest first, with their times on the telemetry's clock; empty
     * for a view that keeps no history of them (the charts then shade no phase).
     */
    default List<StateChange> stateChanges() {
        return List.of();
    }

    /** The view's time zero, in {@link System#nanoTime()} terms. */
    long startNanos();

    /** Events arrive on the view's own thread; a front end hands them to its thread and never blocks. */
    void addListener(DeviceListener listener);

    /** True once the device (or the process that held it) went away; the view then stays as it last was. */
    boolean isGone();

    /** Whether the device accepted the PRECOPY_INFOv2 opt-in; a view that did not open the device cannot tell. */
    default PrecopyInfoV2 precopyInfoV2() {
        return PrecopyInfoV2.UNKNOWN;
    }

    /** Present when this view may change the device (still subject to arming); empty for a read-only view. */
    Optional<DeviceControl> control();
}
