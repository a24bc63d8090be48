package dev.migscope.qemu;

import dev.migscope.json.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Owner;
import dev.migscope.fsm.MigState;
import dev.migscope.qemu.Observation.Kind;
import dev.migscope.telemetry.Telemetry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One QEMU followed, read-only: its events, its migration's status and figures (20 Hz while a
 * migration runs), and its vfio-pci devices as {@link ObservedDevice}s. This is the decoding; what
 * brings the events and figures is a {@link QemuLink}: QEMU's own QMP socket, or libvirt, which
 * owns QEMU's monitor and forwards its events. One observer thread handles every event and poll
 * in QEMU's order; the link's threads only hand them over.
 */
public final class AttachedQemu implements AutoCloseable {

    /** query-migrate's rate while a migration runs (the 20 Hz). */
    static final Duration ACTIVE_POLL = Duration.ofMillis(50);
    /** ... and while none does: slow, since every event that starts one also polls at once. */
    static final Duration IDLE_POLL = Duration.ofMillis(200);

    public enum Role { SOURCE, DESTINATION }

    public enum Outcome { COMPLETED, FAILED, GONE }

    private final QemuLink.Opener opener;
    private final String where;
    private final DeviceRegistry registry;
    private final Consumer<Observation> observer;
    private final ScheduledExecutorService thread;
    private final long startMicros = Micros.now();
    private final long startNanos = System.nanoTime();
    private final Telemetry telemetry = new Telemetry(ObservedDevice.TELEMETRY_CAPACITY);
    private final Map<String, ObservedDevice> devices = new LinkedHashMap<>();
    private final List<MigrationRun> runs = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private final CompletableFuture<String> gone = new CompletableFuture<>();
    private QemuLink link;
    private String name;
    private QemuVersion version;
    private Role role;
    /** QEMU's process: its host device's holder, else what the link knows; null when neither is visible. */
    private Owner process;
    private Long downtimeLimitMs;
    private MigrationInfo lastInfo = MigrationInfo.NONE;
    private long lastPollMicros = -1;
    private String lastStatus = "none";
    private ScheduledFuture<?> nextPoll;
    private boolean polling;
    /**
     * QEMU sends MIGRATION events (the migration capability "events"): statuses then come from them
     * only. A reply QEMU built just before a status change can follow that change's event on the
     * wire, so a poll's status may be older than the last event's.
     */
    private boolean statusEvents;
    private String ended;
    private volatile boolean closing;

    private AttachedQemu(QemuLink.Opener opener, String where, DeviceRegistry registry,
            Consumer<Observation> observer) {
        this.opener = opener;
        this.where = where;
        this.registry = registry;
        this.observer = observer;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "qemu " + where);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Connects, identifies QEMU and its vfio-pci devices, and starts following it. Nothing is sent
     * that changes the VM: only queries (query-*, qom-list, qom-get).
     *
     * @param timeout     how long QEMU may stay silent before it greets, and take to answer each query
     * @param registry    the host's devices: a QEMU device's listing (`migscope list`), who listens on the
     *                    socket, and a device's debugfs state
     *                    when QEMU sends no VFIO_MIGRATION event for it
     * @param observer    receives every observation on the observer thread; must not block
     */
    public static AttachedQemu attach(Path socket, Duration timeout,
            DeviceRegistry registry, Consumer<Observation> observer) throws QmpException {
        return attach(QmpLink.opener(socket), socket.toString(), timeout, registry, observer);
    }

    /**
     * {@link #attach(Path, Duration, DeviceRegistry, Consumer)} through any link.
     *
     * @param where how the link is named until it is open (the socket, the domain)
     */
    public static AttachedQemu attach(QemuLink.Opener opener, String where, Duration timeout,
            DeviceRegistry registry, Consumer<Observation> observer) throws QmpException {
        AttachedQemu q = new AttachedQemu(opener, where, registry, observer);
        try {
            q.thread.submit(() -> {
                q.start(timeout);
                return null;
            }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            q.close();
            throw new QmpException(new QmpError(QmpError.Kind.TIMEOUT, where, "interrupted while attaching"));
        } catch (ExecutionException e) {
            q.close();
            if (e.getCause() instanceof QmpException qe) {
                throw qe;
            }
            throw new IllegalStateException(e.getCause());
        }
        return q;
    }

    private synchronized void start(Duration timeout) throws QmpException {
        link = opener.open(timeout, registry);
        QemuLink.Identity id = link.connect(e -> post(() -> onEvent(e)), why -> post(() -> onClosed(why)),
                waiting -> observe(Micros.now(), Kind.WARNING, waiting, Json.object().put("message", waiting)));
        name = id.name();
        version = id.version();
        String runState = id.runState();
        role = runState.equals("inmigrate") ? Role.DESTINATION : Role.SOURCE;
        downtimeLimitMs = link.downtimeLimitMs();
        statusEvents = id.statusEvents();
        lastInfo = id.info();
        MigState initial = switch (runState) {
            case "running", "prelaunch", "inmigrate", "suspended" -> MigState.RUNNING;
            default -> MigState.STOP;
        };
        for (VfioPciDevice d : id.devices()) {
            add(d, initial);
        }
        process = devices.values().stream().flatMap(d -> d.info().ownerIfBusy().stream()).findFirst()
                .orElse(id.process());
        ObjectNode j = Json.object().put("socket", link.where())
                .put("source", link.kind()).put("version", version.toString()).put("package", version.packageName())
                .put("run_state", runState).put("role", role.name().toLowerCase(Locale.ROOT))
                .put("migration", lastInfo.status());
        ArrayNode devs = j.putArray("devices");
        devices.values().forEach(d -> devs.add(d.device().json()));
        observe(Micros.now(), Kind.ATTACHED, "attached: QEMU " + version + ", " + runState + ", "
                + role.name().toLowerCase(Locale.ROOT) + ", migration " + lastInfo.status() + ", "
                + VfioPciDevice.list(devices.values().stream().map(ObservedDevice::device).toList())
                + (devices.isEmpty() ? "" : "; their state until QEMU's first event is assumed from the "
                + "run state: " + initial), j);
        id.blocked().forEach(b -> warn("a migration is blocked now: " + b + Blockers.explain(b)));
        DebugfsFallback.start(version, devices.values(), registry, thread, link::migrationEventsFix, this::warn,
                this::observe);
        statusSeen(lastInfo.status(), Micros.now(), "poll");
        finishIfOver(lastInfo);
        schedulePoll();
    }

    private ObservedDevice add(VfioPciDevice d, MigState initial) {
        DeviceInfo listed = d.hostDeviceId() == null ? null : registry.find(d.hostDeviceId()).orElse(null);
        ObservedDevice o = new ObservedDevice(name, d, listed, initial, startMicros, startNanos,
                PciPaths.of(link.pciPaths(), d));
        devices.put(d.qomPath(), o);
        return o;
    }

    // ---------------------------------------------------------------- on the observer thread

    private void post(Runnable r) {
        try {
            thread.execute(r);
        } catch (RejectedExecutionException e) {
            // Detached: nothing follows this QEMU any more.
        }
    }

    private synchronized void onEvent(QmpEvent e) {
        if (ended != null) {
            return;
        }
        switch (e.name()) {
            case "VFIO_MIGRATION" -> onVfioMigration(e);
            case "MIGRATION" -> {
                statusEvents = true;
                statusSeen(e.text("status"), e.timestampMicros(), "event");
            }
            default -> observe(e.timestampMicros(), Kind.EVENT,
                    e.name() + (e.data().isEmpty() ? "" : " " + Json.write(e.data())),
                    Json.object().put("event", e.name()).set("data", e.data()));
        }
        if (e.name().startsWith("MIGRATION") || e.name().equals("VFIO_MIGRATION") || e.name().equals("STOP")) {
            pollNow();
        }
    }

    private void onVfioMigration(QmpEvent e) {
        String qom = String.valueOf(e.text("qom-path"));
        ObservedDevice d = devices.get(qom);
        if (d == null) {
            if (!QemuBounds.within(link, devices.size(), VfioPciDevice.MAX_DEVICES, "vfio-pci devices")) {
                return;
            }
            d = unknownDevice(qom, e.text("device-id"));
        }
        if (!QemuBounds.within(link, d.spanCount(), QemuBounds.MAX_STATES, "states of " + d.device().label())) {
            return;
        }
        String raw = e.text("device-state");
        Optional<VfioMigrationState> s = VfioMigrationState.parse(raw);
        if (s.isEmpty()) {
            warn(d.device().label() + ": VFIO_MIGRATION with device-state '" + raw + "', a state this migscope does "
                    + "not know (a newer QEMU?): not drawn");
            return;
        }
        MigState from = d.state();
        Optional<KernelPath> path = d.onVfioMigration(s.get(), e.timestampMicros(), lastInfo.vfioTransferred(),
                lastPollMicros);
        ObjectNode j = Json.object().put("device", d.device().label())
                .put("qom_path", qom).put("device_state", raw).put("from", from.name())
                .put("state", s.get().state().name()).put("prepare", s.get().isPrepare());
        String text = "VFIO_MIGRATION  " + d.device().label() + "  " + (path.isEmpty()
                ? raw + ": QEMU is about to SET " + s.get().state() : path.get().describe(d.features(), j));
        observe(e.timestampMicros(), Kind.DEVICE_STATE, text, j);
    }

    /** A device the event names but QOM did not list at attach: look again, else follow it as it comes. */
    private ObservedDevice unknownDevice(String qom, String deviceId) {
        try {
            for (VfioPciDevice v : link.devices()) {
                if (!devices.containsKey(v.qomPath())) {
                    add(v, MigState.RUNNING);
                }
            }
        } catch (QmpException ex) {
            // Gone (or dropped by the link): its close is handled on its own.
        }
        ObservedDevice d = devices.get(qom);
        if (d != null) {
            return d;
        }
        warn("VFIO_MIGRATION for " + qom + ", a device QOM does not list as vfio-pci: followed from now on, its host "
                + "device unknown");
        return add(new VfioPciDevice(qom, deviceId == null ? "" : deviceId, null, null, true), MigState.RUNNING);
    }

    private void pollNow() {
        if (nextPoll != null) {
            nextPoll.cancel(false);
        }
        poll();
    }

    private void schedulePoll() {
        MigrationStatus s = MigrationStatus.parse(lastStatus).orElse(MigrationStatus.ACTIVE);
        boolean waiting = role == Role.DESTINATION && s == MigrationStatus.SETUP;
        Duration every = s.isRunning() && !waiting ? ACTIVE_POLL : IDLE_POLL;
        try {
            nextPoll = thread.schedule(this::poll, every.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // Detached.
        }
    }

    /**
     * Asks the link for the figures. Its answer is handled as a task queued after the events QEMU
     * sent before it, so a poll's status never overtakes an event that preceded it.
     */
    private synchronized void poll() {
        if (ended != null || polling) {
            return; // the poll on its way schedules the next
        }
        polling = true;
        link.poll().whenComplete((info, ex) -> post(() -> onPollReply(info, ex)));
    }

    private synchronized void onPollReply(MigrationInfo info, Throwable failure) {
        polling = false;
        if (ended != null) {
            return;
        }
        if (failure != null) {
            if (!link.isClosed()) {
                warn(QmpClient.errorOf(where, failure).message());
                schedulePoll();
            }
            return;
        }
        long now = Micros.now();
        double dt = lastPollMicros < 0 ? Double.NaN : (now - lastPollMicros) / 1e6;
        double vfioRate = rate(lastInfo.vfioTransferred(), info.vfioTransferred(), dt);
        double ramRate = rate(lastInfo.ramTransferred(), info.ramTransferred(), dt);
        lastInfo = info;
        lastPollMicros = now;
        if (!statusEvents) {
            statusSeen(info.status(), now, "poll");
        }
        telemetry.append(ObservedDevice.sample((now - startMicros) * 1_000, null, info, vfioRate, ramRate,
                downtimeLimitMs));
        devices.values().forEach(d -> d.onPoll(now, info, vfioRate, ramRate, downtimeLimitMs));
        finishIfOver(info);
        schedulePoll();
    }

    private static double rate(Long before, Long after, double dt) {
        return before == null || after == null || !(dt > 0) || after < before ? Double.NaN : (after - before) / dt;
    }

    private void statusSeen(String status, long micros, String seenBy) {
        if (status == null || status.equals(lastStatus)) {
            return;
        }
        String before = lastStatus;
        lastStatus = status;
        MigrationStatus s = MigrationStatus.parse(status).orElse(MigrationStatus.ACTIVE);
        MigrationRun run = current();
        if (s != MigrationStatus.NONE && (run == null || (run.isOver() && !s.isFinal()))) {
            if (!QemuBounds.within(link, runs.size(), QemuBounds.MAX_RUNS, "migrations")) {
                return;
            }
            run = new MigrationRun();
            runs.add(run);
        }
        if (run != null) {
            if (!QemuBounds.within(link, run.statuses().size(), QemuBounds.MAX_STATUSES,
                    "status changes of one migration")) {
                return;
            }
            run.status(status, micros, seenBy);
        }
        readDowntimeLimit();
        observe(micros, Kind.STATUS, "migration  " + before + " -> " + status + ("poll".equals(seenBy)
                ? "  (query-migrate)" : "  (MIGRATION event)"), Json.object()
                .put("from", before).put("status", status).put("seen_by", seenBy));
    }

    /** Reports a finished migration's figures once, and settles the outcome. */
    private void finishIfOver(MigrationInfo info) {
        MigrationRun run = current();
        if (run == null) {
            return;
        }
        run.info(info);
        MigrationStatus s = info.parsedStatus();
        // With MIGRATION events the run is over when its event said so: a reply built before a new
        // migration's first event may still carry the last one's final status.
        if (!s.isFinal() || (statusEvents && !run.isOver()) || !run.summarizeOnce()) {
            return;
        }
        observe(lastPollMicros < 0 ? Micros.now() : lastPollMicros, Kind.STATUS, info.summary(), info.summaryJson());
        outcome.complete(s == MigrationStatus.COMPLETED ? Outcome.COMPLETED : Outcome.FAILED);
    }

    synchronized void readDowntimeLimit() {
        downtimeLimitMs = link.downtimeLimitMs();
    }

    private synchronized void onClosed(QmpError why) {
        if (closing || ended != null) {
            return;
        }
        long now = Micros.now();
        MigrationRun run = current();
        // A migration over by its events whose figures the link still holds (libvirt's completed job) is summarised.
        link.lastFigures().ifPresent(this::finishIfOver);
        boolean completed = run != null && run.status().equals(MigrationStatus.COMPLETED.qapiName());
        // A bound or a malformed reply ended it, not QEMU: the line names the socket with it.
        String cause = why.kind() == QmpError.Kind.LIMIT || why.kind() == QmpError.Kind.MALFORMED ? why.describe()
                : why.message();
        ended = cause + (completed || run == null ? "" : " during the migration (last status "
                + run.status() + "); the report keeps what was seen until then");
        if (nextPoll != null) {
            nextPoll.cancel(false);
        }
        devices.values().forEach(d -> d.markGone(now, why.message()));
        observe(now, Kind.GONE, ended, Json.object().put("error", why.kind().name())
                .put("message", ended));
        outcome.complete(completed ? Outcome.COMPLETED : Outcome.GONE);
        gone.complete(ended);
    }

    private void warn(String message) {
        if (!QemuBounds.within(link, warnings.size(), QemuBounds.MAX_WARNINGS, "warnings")) {
            return;
        }
        warnings.add(message);
        observe(Micros.now(), Kind.WARNING, "warning: " + message,
                Json.object().put("message", message));
    }

    private void observe(long micros, Kind kind, String text, ObjectNode json) {
        observer.accept(new Observation(micros, name, kind, text, json));
    }

    private MigrationRun current() {
        return runs.isEmpty() ? null : runs.get(runs.size() - 1);
    }

    // ---------------------------------------------------------------- for front ends and the report

    /** Completes when the migration completed or failed, or QEMU went away before it completed. */
    public CompletableFuture<Outcome> outcome() {
        return outcome;
    }

    /** Completes, with why, once QEMU went away (after its devices and the log were told). */
    public CompletableFuture<String> gone() {
        return gone;
    }

    public synchronized String name() {
        return name;
    }

    /** What was attached to: the QMP socket's path, or {@code domain NAME (URI)}. */
    public String where() {
        return where;
    }

    /** {@code qmp} or {@code libvirt}. */
    public synchronized String source() {
        return link == null ? "qmp" : link.kind();
    }

    public synchronized QemuVersion version() {
        return version;
    }

    public synchronized Role role() {
        return role;
    }

    public synchronized Optional<Owner> process() {
        return Optional.ofNullable(process);
    }

    /** For the commands an armed {@link QemuControl} sends: QEMU serves one client per socket. */
    synchronized QemuLink link() {
        return link;
    }

    public long startMicros() {
        return startMicros;
    }

    /** The QEMU's own series: its migration's figures, no device state. */
    public Telemetry telemetry() {
        return telemetry;
    }

    public synchronized List<ObservedDevice> devices() {
        return List.copyOf(devices.values());
    }

    public synchronized List<MigrationRun> runs() {
        return List.copyOf(runs);
    }

    public synchronized List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** Why following it ended (QEMU gone, bad JSON), or null while attached. */
    public synchronized String ended() {
        return ended;
    }

    public synchronized Long downtimeLimitMs() {
        return downtimeLimitMs;
    }

    /** Stops following; QEMU and its VM are left as they are. */
    @Override
    public void close() {
        closing = true;
        QemuLink l;
        synchronized (this) {
            l = link;
        }
        if (l != null) {
            l.close();
        }
        thread.shutdownNow();
    }
}
