package dev.migscope.qemu;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.DeviceBackend;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.fsm.MigState;
import dev.migscope.json.Json;
import dev.migscope.qemu.Observation.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Follows the devices QEMU sends no VFIO_MIGRATION event for (vfio-pci's migration-events off, or a
 * QEMU before 9.1) by polling the kernel's debugfs migration state of the host device each maps
 * to, through its backend's passive watch, so the graph still moves. Such states are marked as
 * polled: a state shorter than a poll is missed, and QEMU's SETs are not seen. Runs on its QEMU's
 * observer thread, as the events do.
 */
final class DebugfsFallback {

    /** Fast enough to catch a downtime-long STOP_COPY (37 ms measured with mtty); one small read each. */
    static final Duration EVERY = Duration.ofMillis(10);
    /** The event log's call for a polled state. */
    static final String CALL = "debugfs migration/state";
    /** The event log's note on a polled state. */
    static final String POLLED = "polled: QEMU sends no VFIO_MIGRATION event for this device; a state between two "
            + "polls is not seen";

    /** Logs one line as the QEMU's other observations are logged. */
    @FunctionalInterface
    interface Log {
        void observe(long micros, Kind kind, String text, ObjectNode json);
    }

    private record Polled(ObservedDevice device, DeviceBackend backend, String hostId) {
    }

    private final List<Polled> polled;
    private final Log log;
    private ScheduledFuture<?> ticks;

    private DebugfsFallback(List<Polled> polled, Log log) {
        this.polled = polled;
        this.log = log;
    }

    /**
     * Says, for each device without events, why and whether its state is polled instead (or why it
     * cannot be), and starts polling those that can be.
     *
     * @param eventsFix what turns a device's events on, in the link's terms (a QEMU option, domain XML)
     * @param warn      receives each sentence for the user; the fix is in it
     */
    static void start(QemuVersion version, Collection<ObservedDevice> devices, DeviceRegistry registry,
            ScheduledExecutorService thread, Function<VfioPciDevice, String> eventsFix, Consumer<String> warn,
            Log log) {
        boolean qemuHasEvents = version.atLeast(QemuVersion.VFIO_MIGRATION_EVENTS);
        List<Polled> polled = new ArrayList<>();
        for (ObservedDevice d : devices) {
            VfioPciDevice v = d.device();
            if (qemuHasEvents && !Boolean.FALSE.equals(v.migrationEvents())) {
                continue;
            }
            String why = qemuHasEvents
                    ? v.label() + ": migration-events is off, so QEMU sends no VFIO_MIGRATION event for it"
                    : v.label() + ": QEMU " + version + " has no VFIO_MIGRATION event (it came in QEMU "
                            + QemuVersion.VFIO_MIGRATION_EVENTS.major() + "." + QemuVersion.VFIO_MIGRATION_EVENTS.minor()
                            + " with vfio-pci's migration-events property)";
            String fix = qemuHasEvents ? "; for QEMU's own events " + eventsFix.apply(v)
                    : "; for QEMU's own events use QEMU " + QemuVersion.VFIO_MIGRATION_EVENTS.major() + "."
                            + QemuVersion.VFIO_MIGRATION_EVENTS.minor() + " or later with migration-events=on";
            String host = v.hostDeviceId();
            Optional<DeviceBackend> backend = host == null ? Optional.empty() : registry.backendFor(host);
            Optional<String> cannot = host == null
                    ? Optional.of("QEMU's sysfsdev and host properties name no host device")
                    : backend.isEmpty() ? Optional.of("no device " + host + " on this host")
                    : backend.get().whyNoWatch(host);
            if (cannot.isPresent()) {
                d.statesFrom(ObservedDevice.StatesFrom.NONE);
                warn.accept(why + ", and the fallback of polling the kernel's debugfs migration state is off: "
                        + cannot.get() + "; only the migration's status and bytes are followed" + fix);
            } else {
                warn.accept(why + ": the fallback is on, polling host device " + host + "'s state in the kernel's "
                        + "debugfs (migration/state) every " + EVERY.toMillis() + " ms; those states are marked as "
                        + "polled, and one shorter than a poll is missed" + fix);
                d.statesFrom(ObservedDevice.StatesFrom.DEBUGFS);
                polled.add(new Polled(d, backend.get(), host));
            }
        }
        if (polled.isEmpty()) {
            return;
        }
        DebugfsFallback f = new DebugfsFallback(polled, log);
        try {
            // Called on the observer thread: the first poll runs after this, with ticks set.
            f.ticks = thread.scheduleWithFixedDelay(f::poll, 0, EVERY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // Detached meanwhile.
        }
    }

    /** One read per device; a change moves its graph and logs a line. Ends once every device is gone. */
    private void poll() {
        boolean following = false;
        for (Polled p : polled) {
            if (p.device().isGone()) {
                continue;
            }
            following = true;
            MigState before = p.device().state();
            Optional<MigState> now = p.backend().watchState(p.hostId());
            if (now.isEmpty() || now.get() == before) {
                continue;
            }
            long micros = Micros.now();
            p.device().onPolledState(now.get(), micros);
            String label = p.device().device().label();
            log.observe(micros, Kind.DEVICE_STATE, "debugfs  " + label + "  " + before + " -> " + now.get()
                    + "  (polled: not QEMU's event)", Json.object().put("device", label)
                    .put("qom_path", p.device().device().qomPath()).put("from", before.name())
                    .put("state", now.get().name()).put("seen_by", "debugfs"));
        }
        if (!following) {
            ticks.cancel(false);
        }
    }
}
