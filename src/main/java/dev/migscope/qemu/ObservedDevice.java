package dev.migscope.qemu;

import dev.migscope.device.DeviceInfo;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.Sample;
import dev.migscope.telemetry.Telemetry;
import dev.migscope.view.DeviceControl;
import dev.migscope.view.DeviceEvent;
import dev.migscope.view.DeviceEvent.Kind;
import dev.migscope.view.DeviceListener;
import dev.migscope.view.Listeners;
import dev.migscope.view.DeviceView;
import dev.migscope.view.StateChange;
import dev.migscope.view.TelemetryKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A VFIO device QEMU migrates, seen through QMP: the graph moves with each VFIO_MIGRATION event
 * (with the kernel's own steps drawn), the charts read query-migrate polls. Read-only: QEMU drives
 * it, so there is no {@link DeviceControl}. Written only on its QEMU's observer thread.
 */
public final class ObservedDevice implements DeviceView {

    /** Where the device's states come from. */
    enum StatesFrom {
        /** QEMU's VFIO_MIGRATION events (migration-events on, QEMU 9.1 or later). */
        EVENTS,
        /** No such events: the host device's debugfs state, polled ({@link DebugfsFallback}). */
        DEBUGFS,
        /** No such events and no debugfs fallback: only the migration's status and bytes. */
        NONE
    }

    /** An hour of polls at the idle rate, half an hour at the active rate. */
    static final int TELEMETRY_CAPACITY = 36_000;

    private final String viewId;
    private final String qemuName;
    private final VfioPciDevice device;
    private final DeviceInfo hostInfo;
    private final String pciPath;
    private final long startMicros;
    private final long startNanos;
    private final Telemetry telemetry = new Telemetry(TELEMETRY_CAPACITY);
    private final Listeners listeners = new Listeners();
    private final List<StateSpan> spans = new ArrayList<>();
    private volatile MigFeatures features;
    private volatile MigState state;
    private volatile String lost;
    private volatile StatesFrom statesFrom = StatesFrom.EVENTS;
    private Long vfioBeforeStopCopy;
    private long vfioBeforeStopCopyMicros = -1;
    private final AtomicLong tapPrecopy = new AtomicLong();
    private final AtomicLong tapStopCopy = new AtomicLong();
    private volatile boolean tapped;
    private long tapTotalAtPoll;
    private long lastPollMicros = -1;

    /** The device's data as a tap on its migration saw it pass: DATA_STATE payload bytes by phase. */
    public record TapBytes(long precopy, long stopCopy) {
    }

    /**
     * @param qemuLabel    the QEMU's name, to keep view ids apart across QEMUs
     * @param hostInfo     the host's listing of the device when migscope can see it, else null
     * @param initialState the state QEMU left the device in, inferred from its run state
     * @param pciPath      its guest PCI path ({@link PciPaths}), empty when QEMU did not say
     */
    ObservedDevice(String qemuLabel, VfioPciDevice device, DeviceInfo hostInfo, MigState initialState,
            long startMicros, long startNanos, String pciPath) {
        this.pciPath = pciPath;
        this.viewId = "qemu:" + qemuLabel + ":" + device.label();
        this.qemuName = qemuLabel;
        this.device = device;
        this.hostInfo = hostInfo;
        this.features = hostInfo != null && hostInfo.features() != null ? hostInfo.features()
                : MigFeatures.STOP_COPY_ONLY;
        this.state = initialState;
        this.startMicros = startMicros;
        this.startNanos = startNanos;
    }

    public VfioPciDevice device() {
        return device;
    }

    /**
     * Its guest PCI path ({@code 0000:00:01.0}), what QEMU names its migration sections by
     * ({@code 0000:00:01.0/vfio}); empty when the link could not ask (libvirt) or QEMU did not say.
     */
    public String pciPath() {
        return pciPath;
    }

    /**
     * Data of this device a tap saw pass (DATA_STATE payloads of its section): from the first, its
     * charts' data throughput is these bytes over each poll's interval, in place of QEMU's
     * vfio.transferred (a total of all of a QEMU's VFIO devices). Any thread.
     *
     * @param stopCopy true for the device's END section (stop-copy), false for a precopy pass
     */
    public void dataMoved(long bytes, boolean stopCopy) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes " + bytes);
        }
        (stopCopy ? tapStopCopy : tapPrecopy).addAndGet(bytes);
        tapped = true;
    }

    /** What a tap saw of this device, or empty when none fed it. */
    public Optional<TapBytes> tapBytes() {
        return tapped ? Optional.of(new TapBytes(tapPrecopy.get(), tapStopCopy.get())) : Optional.empty();
    }

    /** True when the features came from the host; false when they are the least the events proved. */
    public boolean featuresFromHost() {
        return hostInfo != null && hostInfo.features() != null;
    }

    @Override
    public String id() {
        return viewId;
    }

    @Override
    public DeviceInfo info() {
        DeviceInfo base = hostInfo != null ? hostInfo : new DeviceInfo(
                device.hostDeviceId() != null ? device.hostDeviceId() : device.qomPath(), device.hostKind(),
                "vfio-pci in QEMU", null, device.label(), null, null, null, null, null, null, null, null);
        return base.withFeatures(features).withState(state).withAccess(access());
    }

    /**
     * How migscope reaches the device (its {@link DeviceInfo#access()}, what the window says of it):
     * QEMU holds it, migscope follows it over QMP, its states from QEMU's events or else from debugfs.
     */
    private String access() {
        String qmp = "followed over QMP from QEMU " + qemuName + ": ";
        return qmp + switch (statesFrom) {
            case EVENTS -> "VFIO_MIGRATION events";
            case DEBUGFS -> "states polled from debugfs";
            case NONE -> "no device states (no VFIO_MIGRATION event, no debugfs fallback)";
        };
    }

    /** Says where the states come from; set once attached, before the first poll. */
    void statesFrom(StatesFrom s) {
        statesFrom = s;
    }

    @Override
    public MigFeatures features() {
        return features;
    }

    @Override
    public MigState state() {
        return state;
    }

    @Override
    public Telemetry telemetry() {
        return telemetry;
    }

    @Override
    public TelemetryKind telemetryKind() {
        return TelemetryKind.QEMU_MIGRATION;
    }

    @Override
    public synchronized List<StateChange> stateChanges() {
        return spans.stream().map(s -> new StateChange((s.startMicros() - startMicros) * 1_000, s.state())).toList();
    }

    @Override
    public long startNanos() {
        return startNanos;
    }

    /** QEMU's last report: the device's state comes from QEMU, never from a GET. */
    @Override
    public CompletableFuture<MigState> refreshState() {
        return CompletableFuture.completedFuture(state);
    }

    /** QEMU drives the device; this view only follows (arming a QEMU is the QEMU's, not the device's). */
    @Override
    public boolean isPassive() {
        return true;
    }

    @Override
    public void addListener(DeviceListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(DeviceListener listener) {
        listeners.remove(listener);
    }

    @Override
    public Optional<String> lost() {
        return Optional.ofNullable(lost);
    }

    /** The attach owns the observation: it ends when the QEMU is detached or goes, not when a front end lets go. */
    @Override
    public void close() {
        // nothing of the device is held here
    }

    @Override
    public Optional<DeviceControl> control() {
        return Optional.empty();
    }

    synchronized int spanCount() {
        return spans.size();
    }

    synchronized List<StateSpan> spans() {
        return List.copyOf(spans);
    }

    synchronized Long vfioBeforeStopCopy() {
        return vfioBeforeStopCopy;
    }

    synchronized long vfioBeforeStopCopyMicros() {
        return vfioBeforeStopCopyMicros;
    }

    /**
     * One VFIO_MIGRATION event: the device reached {@code s} by QEMU's SET. Draws the kernel's walk
     * as steps (those QEMU did not ask for marked as the kernel's), then the transition itself.
     *
     * @param lastVfioBytes vfio.transferred at the last poll, with its time, for the byte split at STOP_COPY
     * @return the walk, or empty for a prepare announcement
     */
    synchronized Optional<KernelPath> onVfioMigration(VfioMigrationState s, long micros, Long lastVfioBytes,
            long lastPollMicros) {
        features = new MigFeatures(features.flags() | s.state().requiredFeatures().flags());
        if (s.isPrepare()) {
            emit(new DeviceEvent(Micros.instant(micros), Kind.STATE_OBSERVED, "VFIO_MIGRATION", state, null, null,
                    List.of(), Duration.ZERO, null, null, -1, "device-state=" + s.qapiName() + ": QEMU is about to SET "
                    + s.state()));
            return Optional.empty();
        }
        KernelPath path = KernelPath.of(features, state, s.state());
        for (Arc arc : path.arcs()) {
            emit(new DeviceEvent(Micros.instant(micros), Kind.STEP, path.isKernelStep(arc) ? "kernel step"
                    : "SET MIG_DEVICE_STATE", arc.from(), arc.to(), null, List.of(), Duration.ZERO, null, null, -1,
                    path.isKernelStep(arc) ? "the kernel's step: QEMU asked for " + s.state() : "by QEMU"));
        }
        if (s.state() == MigState.STOP_COPY && vfioBeforeStopCopy == null) {
            vfioBeforeStopCopy = lastVfioBytes;
            vfioBeforeStopCopyMicros = lastPollMicros;
        }
        spans.add(new StateSpan(s.state(), s.qapiName(), micros, path.kernelSteps(), false));
        MigState from = state;
        state = s.state();
        emit(new DeviceEvent(Micros.instant(micros), Kind.TRANSITION, "VFIO_MIGRATION", from, s.state(), s.state(),
                path.states(), Duration.ZERO, null, null, -1, "device-state=" + s.qapiName()
                        + (path.allowed() ? "" : "; not a path the kernel's FSM allows for features " + features)));
        return Optional.of(path);
    }

    /**
     * A state the kernel's debugfs showed, for a device QEMU sends no VFIO_MIGRATION event for. No
     * path is drawn: the states between two polls, and which SET QEMU made, are not seen.
     */
    synchronized void onPolledState(MigState s, long micros) {
        if (s == state) {
            return;
        }
        features = new MigFeatures(features.flags() | s.requiredFeatures().flags());
        spans.add(new StateSpan(s, null, micros, List.of(), true));
        MigState from = state;
        state = s;
        emit(new DeviceEvent(Micros.instant(micros), Kind.STATE_OBSERVED, DebugfsFallback.CALL, from, s, s,
                List.of(), Duration.ZERO, null, null, -1, DebugfsFallback.POLLED));
    }

    /** One query-migrate poll: the device's state and its QEMU's migration figures on the charts. */
    void onPoll(long micros, MigrationInfo info, double vfioRate, double ramRate, Long downtimeLimitMs) {
        long tapTotal = tapPrecopy.get() + tapStopCopy.get();
        double tapRate = lastPollMicros < 0 || micros <= lastPollMicros ? Double.NaN
                : (tapTotal - tapTotalAtPoll) / ((micros - lastPollMicros) / 1e6);
        tapTotalAtPoll = tapTotal;
        lastPollMicros = micros;
        if (!tapped) {
            telemetry.append(sample((micros - startMicros) * 1_000, state, info, vfioRate, ramRate, downtimeLimitMs));
            return;
        }
        // The tap's bytes are this device's own: its rate, its total, and on a destination its resume.
        Sample s = sample((micros - startMicros) * 1_000, state, info, tapRate, ramRate, downtimeLimitMs)
                .set(Metric.TOTAL_BYTES, tapTotal);
        if (state == MigState.RESUMING) {
            s.set(Metric.RESUME_THROUGHPUT, tapRate);
        }
        telemetry.append(s);
    }

    /**
     * A poll as a telemetry sample: vfio.transferred is QEMU's total for all its VFIO devices; its
     * rate is pre-copy or stop-copy throughput by the device's state (NaN for a QEMU's own series).
     */
    static Sample sample(long timeNanos, MigState st, MigrationInfo info, double vfioRate, double ramRate,
            Long downtimeLimitMs) {
        Sample s = new Sample(timeNanos)
                .set(Metric.RAM_THROUGHPUT, ramRate)
                .set(Metric.RAM_DIRTY_PAGES_RATE, number(info.dirtyPagesRate()))
                .set(Metric.DOWNTIME_ESTIMATE, number(info.expectedDowntimeMs()) / 1e3)
                .set(Metric.DOWNTIME_LIMIT, number(downtimeLimitMs) / 1e3)
                .set(Metric.TOTAL_BYTES, number(info.vfioTransferred()));
        if (st != null) {
            s.set(Metric.STATE, st.abi());
        }
        if (st == MigState.PRE_COPY || st == MigState.PRE_COPY_P2P) {
            s.set(Metric.PRE_COPY_THROUGHPUT, vfioRate);
        } else if (st == MigState.STOP_COPY) {
            s.set(Metric.STOP_COPY_THROUGHPUT, vfioRate);
        }
        return s;
    }

    static double number(Long v) {
        return v == null ? Double.NaN : v;
    }

    void markGone(long micros, String why) {
        lost = why;
        emit(new DeviceEvent(Micros.instant(micros), Kind.DEVICE_GONE, "QMP", state, null, null, List.of(),
                Duration.ZERO, null, null, -1, why));
    }

    private void emit(DeviceEvent e) {
        listeners.emit(e);
    }
}
