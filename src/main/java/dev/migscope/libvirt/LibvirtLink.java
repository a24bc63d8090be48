package dev.migscope.libvirt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.jna.Callback;
import com.sun.jna.Pointer;
import dev.migscope.device.Owner;
import dev.migscope.json.Json;
import dev.migscope.qemu.MigrationInfo;
import dev.migscope.qemu.MigrationStatus;
import dev.migscope.qemu.Blockers;
import dev.migscope.qemu.QemuLink;
import dev.migscope.qemu.QemuVersion;
import dev.migscope.qemu.QmpClient;
import dev.migscope.qemu.QmpError;
import dev.migscope.qemu.QmpEvent;
import dev.migscope.qemu.QmpException;
import dev.migscope.qemu.VfioPciDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A QEMU reached through the libvirt daemon that runs it: QEMU's QMP events as libvirt forwards
 * them to monitor-event subscribers (virConnectDomainQemuMonitorEventRegister; libvirt owns QEMU's
 * only monitor), the domain's lifecycle and job-completed events, figures from libvirt's job
 * (virDomainGetJobStats) in place of query-migrate, the vfio-pci devices from the domain XML's
 * hostdevs. Read-only: nothing is sent to QEMU's monitor through libvirt
 * (virDomainQemuMonitorCommand would taint the domain), and libvirt's own calls that change the
 * domain are made only by an armed control.
 */
public final class LibvirtLink implements QemuLink {

    /** What the link accepts of one forwarded event's details (QEMU's data member, as JSON). */
    static final int MAX_DETAILS_BYTES = 1 << 20;
    static final int MAX_EVENT_NAME = 128;
    private static final ObjectMapper DETAILS = Json.mapper(StreamReadConstraints.builder()
            .maxStringLength(MAX_DETAILS_BYTES).maxNestingDepth(QmpClient.MAX_NESTING).build());
    /** The destination URIs --migrate sends (not qemu+ext, which runs a command of the URI's choosing). */
    public static final List<String> URI_SCHEMES = List.of("qemu", "qemu+ssh", "qemu+tcp", "qemu+tls", "qemu+unix");

    /** How long closing waits for a libvirt call in progress (keepalive ends a silent daemon's in 15 s). */
    static final long CALL_WAIT_S = 20;
    /** How long a call that found the domain gone waits for libvirt's lifecycle event to say how. */
    static final long LIFECYCLE_WAIT_MS = 2_000;

    private final String uri;
    private final String domainName;
    private final String where;
    /** libvirt's calls, one at a time, off libvirt's event thread (a callback must not block it). */
    private final ExecutorService calls;
    private final AtomicBoolean ended = new AtomicBoolean();
    /** Counted down when libvirt's lifecycle event says the domain stopped (its end follows on {@link #calls}). */
    private final CountDownLatch stoppedEvent = new CountDownLatch(1);
    /** Callbacks stay reachable while registered: libvirt holds only their native stubs. */
    private final List<Object> callbacks = new ArrayList<>();
    private final List<Integer> monitorIds = new ArrayList<>();
    private final List<Integer> eventIds = new ArrayList<>();
    private Connection connection;
    private Domain domain;
    private Consumer<QmpEvent> events;
    private Consumer<QmpError> closed;
    private Consumer<String> warn;
    /** QEMU's last MIGRATION status, as forwarded: libvirt's job types do not tell QEMU's statuses apart. */
    private volatile String status = "none";
    private volatile JobStats completedJob;

    private LibvirtLink(String uri, String domainName) {
        this.uri = uri;
        this.domainName = domainName;
        this.where = where(domainName, uri);
        this.calls = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "libvirt " + where);
            t.setDaemon(true);
            return t;
        });
    }

    /** virsh's default for root, and migscope's. */
    public static final String DEFAULT_URI = "qemu:///system";

    /** How errors and the report name a domain: {@code domain NAME (URI)}. */
    public static String where(String domain, String uri) {
        return "domain " + domain + " (" + uri + ")";
    }

    /** Opens {@code domain} on the daemon at {@code uri} when an attach starts. */
    public static Opener opener(String uri, String domain) {
        return (timeout, registry) -> new LibvirtLink(uri, domain);
    }

    @Override
    public String where() {
        return where;
    }

    @Override
    public String kind() {
        return "libvirt";
    }

    @Override
    public synchronized Identity connect(Consumer<QmpEvent> events, Consumer<QmpError> closed, Consumer<String> warn)
            throws QmpException {
        this.events = events;
        this.closed = closed;
        this.warn = warn;
        try {
            connection = Connection.open(uri);
            domain = connection.domain(domainName);
            Domain.StateReason state = domain.state();
            if (state.state() == Domain.State.SHUTOFF || state.state() == Domain.State.NOSTATE) {
                throw new LibvirtException(LibvirtException.Kind.NO_DOMAIN, "domain " + domainName + " is not "
                        + "running (" + state.state().name().toLowerCase(Locale.ROOT) + "): nothing to follow");
            }
            subscribe();
            DomainXml xml = domain.xml();
            JobStats job = domain.jobStats(false);
            boolean incoming = Long.valueOf(Domain.OPERATION_MIGRATION_IN).equals(job.number("operation"));
            String runState = incoming ? "inmigrate" : runState(state);
            if (!job.isNone()) {
                status = "active";
            }
            QemuVersion version = connection.qemuVersion();
            List<VfioPciDevice> devices = xml.hostdevs().stream().map(DomainXml.Hostdev::device).toList();
            // libvirt turns QEMU's migration capability "events" on at start: statuses come from MIGRATION events.
            return new Identity(xml.name(), version, runState, true, job.info(status), devices, qemuProcess(xml.name()),
                    List.of());
        } catch (LibvirtException e) {
            close();
            throw new QmpException(error(e));
        }
    }

    private void subscribe() throws LibvirtException {
        Virt virt = connection.virt;
        Virt.MonitorEventCallback monitor = this::onMonitorEvent;
        Virt.LifecycleCallback lifecycle = this::onLifecycle;
        Virt.JobCompletedCallback job = this::onJobCompleted;
        Virt.CloseCallback close = this::onConnectionClosed;
        callbacks.addAll(List.of(monitor, lifecycle, job, close));
        // A null event name subscribes to every event QEMU sends.
        int id = virt.qemu.virConnectDomainQemuMonitorEventRegister(connection.conn, domain.dom, null, monitor,
                null, null, 0);
        if (id < 0) {
            throw virt.lastError("virConnectDomainQemuMonitorEventRegister");
        }
        monitorIds.add(id);
        register(Virt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle);
        register(Virt.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED, job);
        connection.onClose(close);
    }

    private void register(int eventId, Callback cb) throws LibvirtException {
        int id = connection.virt.lib.virConnectDomainEventRegisterAny(connection.conn, domain.dom, eventId, cb, null,
                null);
        if (id < 0) {
            throw connection.virt.lastError("virConnectDomainEventRegisterAny " + eventId);
        }
        eventIds.add(id);
    }

    /** QAPI's RunState for libvirt's state: what a QMP query-status would have said. */
    static String runState(Domain.StateReason s) {
        return switch (s.state()) {
            case PAUSED -> s.reason() == Domain.PAUSED_MIGRATION ? "finish-migrate" : "paused";
            case CRASHED -> "guest-panicked";
            case PMSUSPENDED -> "suspended";
            default -> "running";
        };
    }

    /** libvirt's pid file for a local daemon's domain (qemu:///system as root); null when not readable here. */
    private Owner qemuProcess(String name) {
        if (!uri.startsWith("qemu:///system")) {
            return null;
        }
        try {
            Path pid = Path.of("/run/libvirt/qemu", name + ".pid");
            String s = Files.readString(pid).strip();
            if (!s.matches("[0-9]{1,10}")) {
                return null;
            }
            int n = Integer.parseInt(s);
            String command = ProcessHandle.of(n).flatMap(p -> p.info().command()).orElse("qemu");
            return new Owner(n, command);
        } catch (IOException | RuntimeException e) {
            return null; // not root, a remote daemon, or a name not a file name: the report goes without a pid
        }
    }

    // ------------------------------------------------------------ on libvirt's event thread

    private void onMonitorEvent(Pointer conn, Pointer dom, Pointer event, long seconds, int micros, Pointer details,
            Pointer opaque) {
        if (ended.get()) {
            return;
        }
        try {
            Virt virt = connection.virt;
            String name = virt.string(event, MAX_EVENT_NAME, "an event name");
            String json = virt.string(details, MAX_DETAILS_BYTES, "an event's details");
            JsonNode data = json == null ? Json.object() : DETAILS.readTree(json);
            if (name == null || !name.matches("[A-Z0-9_]{1,128}") || !data.isObject()) {
                throw new LibvirtException(LibvirtException.Kind.LIMIT, "libvirt forwarded an event that is not "
                        + "QMP's: name " + name + ", details " + (json == null ? "none" : "not a JSON object"));
            }
            long time = seconds < 0 || micros < 0 ? -1 : seconds * 1_000_000 + Integer.toUnsignedLong(micros);
            if (name.equals("MIGRATION") && data.path("status").isTextual()) {
                status = data.path("status").asText();
            }
            events.accept(new QmpEvent(name, data, time));
        } catch (LibvirtException e) {
            end(error(e));
        } catch (JsonProcessingException e) {
            end(new QmpError(QmpError.Kind.MALFORMED, where, "libvirt forwarded an event whose details are not "
                    + "JSON: " + e.getOriginalMessage()));
        }
    }

    /**
     * virDomainEventType STOPPED 5, CRASHED 8; virDomainEventStoppedDetailType by number. The
     * completed job's figures are read first (a saved or migrated domain that is persistent keeps
     * them), off this thread, so that the migration's summary has libvirt's final figures.
     */
    private void onLifecycle(Pointer conn, Pointer dom, int event, int detail, Pointer opaque) {
        if (event != 5 && event != 8) {
            return;
        }
        String[] stopped = {"shut down", "destroyed", "crashed", "migrated", "saved", "failed",
            "restored from a snapshot"};
        String how = event == 8 ? "crashed" : detail >= 0 && detail < stopped.length ? stopped[detail]
                : "stopped (detail " + detail + ")";
        QmpError why = new QmpError(QmpError.Kind.GONE, where, "domain gone: " + how + " (libvirt's lifecycle event)");
        stoppedEvent.countDown();
        try {
            calls.execute(() -> {
                try {
                    JobStats done = domain.jobStats(true);
                    if (completedJob == null && !done.isNone()) {
                        completedJob = done;
                    }
                } catch (LibvirtException e) {
                    // A transient domain is gone with its job: the figures are the last poll's.
                }
                end(why);
            });
        } catch (RejectedExecutionException e) {
            end(why);
        }
    }

    private void onJobCompleted(Pointer conn, Pointer dom, Pointer params, int nparams, Pointer opaque) {
        if (ended.get()) {
            return;
        }
        try {
            completedJob = JobStats.read(connection.virt, JobStats.COMPLETED, params, nparams);
        } catch (LibvirtException e) {
            end(error(e));
        }
    }

    /** virConnectCloseReason: ERROR 0, EOF 1, KEEPALIVE 2, CLIENT 3. */
    private void onConnectionClosed(Pointer conn, int reason, Pointer opaque) {
        String why = switch (reason) {
            case 1 -> "libvirtd closed the connection (it stopped, or was killed)";
            case 2 -> "libvirtd stopped answering keepalives";
            case 3 -> "the connection was closed";
            default -> "the connection to libvirtd failed";
        };
        end(new QmpError(QmpError.Kind.GONE, where, "libvirtd gone: " + why + "; QEMU may still run, unfollowed"));
    }

    /** Tells the decoder once why the link ended. */
    private void end(QmpError why) {
        if (ended.compareAndSet(false, true)) {
            closed.accept(why);
        }
    }

    // ------------------------------------------------------------ figures and commands, off the event thread

    @Override
    public CompletableFuture<MigrationInfo> poll() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                String seen = status;
                JobStats job = domain.jobStats(false);
                if (!job.isNone()) {
                    // libvirt's job outlives QEMU's migration (a save still writes its image): the figures are
                    // final, and said to be, once libvirt's job is over.
                    boolean over = MigrationStatus.parse(seen).map(MigrationStatus::isFinal).orElse(false);
                    return job.info(over ? MigrationStatus.ACTIVE.qapiName() : seen);
                }
                JobStats done = completedJob != null ? completedJob : domain.jobStats(true);
                return (done.isNone() ? job : done).info(seen);
            } catch (LibvirtException e) {
                if (e.kind() == LibvirtException.Kind.NO_DOMAIN) {
                    domainGone(e);
                }
                throw new CompletionException(new QmpException(error(e)));
            }
        }, calls);
    }

    /**
     * libvirt no longer has the domain: its lifecycle event, which says how it ended, is on its way
     * on the event thread, so it is given a moment to say it first.
     */
    private void domainGone(LibvirtException e) {
        try {
            if (stoppedEvent.await(LIFECYCLE_WAIT_MS, TimeUnit.MILLISECONDS) || ended.get()) {
                return;
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        end(new QmpError(QmpError.Kind.GONE, where, "domain gone: libvirt no longer has it (" + e.getMessage() + ")"));
    }

    @Override
    public Optional<MigrationInfo> lastFigures() {
        JobStats done = completedJob;
        return done == null ? Optional.empty() : Optional.of(done.info(status));
    }

    @Override
    public Long downtimeLimitMs() {
        try {
            return domain.maxDowntimeMs();
        } catch (LibvirtException e) {
            return null; // an older libvirt, or the domain gone: the chart goes without the limit line
        }
    }

    @Override
    public List<VfioPciDevice> devices() throws QmpException {
        try {
            return domain.xml().hostdevs().stream().map(DomainXml.Hostdev::device).toList();
        } catch (LibvirtException e) {
            throw new QmpException(error(e));
        }
    }

    @Override
    public void drop(QmpError why) {
        end(why);
        close();
    }

    /**
     * Closed as well once libvirt's lifecycle event said the domain stopped: its end is on its way,
     * and a poll that found the domain gone meanwhile is no warning (a saved transient domain).
     */
    @Override
    public boolean isClosed() {
        return ended.get() || stoppedEvent.getCount() == 0;
    }

    @Override
    public String migrationEventsFix(VfioPciDevice device) {
        return "add to the domain XML (virsh edit " + domainName + ", then restart it; libvirt 8.2 or later): "
                + DomainXml.migrationEventsOverride(device.deviceId()).replace("\n", " ");
    }

    @Override
    public Optional<String> uriRefusal(String destination) {
        return uriRefusalOf(destination);
    }

    /** Why --migrate would not send this libvirt destination URI, or empty. */
    public static Optional<String> uriRefusalOf(String destination) {
        int colon = destination == null ? -1 : destination.indexOf("://");
        String scheme = colon < 0 ? "" : destination.substring(0, colon);
        if (URI_SCHEMES.contains(scheme)) {
            return Optional.empty();
        }
        return Optional.of("destination " + destination + " refused: with --libvirt, --migrate takes the "
                + "destination libvirtd's URI (" + String.join(", ", URI_SCHEMES.stream().map(s -> s + "://").toList())
                + ")" + (scheme.equals("qemu+ext") ? "; qemu+ext runs a command the URI names" : ""));
    }

    /**
     * Starts virDomainMigrateToURI3 on a thread of its own (it returns when the migration is over):
     * its failure, libvirt's sentence with QEMU's reasons, is a warning that the report keeps.
     */
    @Override
    public String migrate(String destination) {
        Thread t = new Thread(() -> {
            try {
                domain.migrate(destination);
            } catch (LibvirtException e) {
                warn.accept(e.getMessage() + Blockers.explain(e.getMessage()));
            }
        }, "libvirt migrate " + where);
        t.setDaemon(true);
        t.start();
        return "virDomainMigrateToURI3";
    }

    @Override
    public String cancel() throws QmpException {
        try {
            domain.abortJob();
            return "virDomainAbortJob";
        } catch (LibvirtException e) {
            throw new QmpException(error(e));
        }
    }

    @Override
    public Sent setDowntimeLimit(long ms) throws QmpException {
        try {
            domain.setMaxDowntimeMs(ms);
            return new Sent("virDomainMigrateSetMaxDowntime", downtimeLimitMs());
        } catch (LibvirtException e) {
            throw new QmpException(error(e));
        }
    }

    @Override
    public String runState() throws QmpException {
        try {
            JobStats job = domain.jobStats(false);
            return Long.valueOf(Domain.OPERATION_MIGRATION_IN).equals(job.number("operation")) ? "inmigrate"
                    : runState(domain.state());
        } catch (LibvirtException e) {
            throw new QmpException(error(e));
        }
    }

    @Override
    public String migrationStatus() {
        return status;
    }

    /** A libvirt error as the attach's error: a missing daemon or domain is "not attached"; bad data a bound. */
    private QmpError error(LibvirtException e) {
        QmpError.Kind kind = switch (e.kind()) {
            case NO_LIBRARY, NO_DAEMON -> QmpError.Kind.NO_SOCKET;
            case NO_DOMAIN -> QmpError.Kind.GONE;
            case LIMIT -> QmpError.Kind.LIMIT;
            case FAILED -> QmpError.Kind.COMMAND;
        };
        return new QmpError(kind, where, e.getMessage());
    }

    /** Deregisters, closes the connection and frees the domain; the VM is left as it is. */
    @Override
    public synchronized void close() {
        ended.set(true);
        calls.shutdownNow();
        try {
            if (!calls.awaitTermination(CALL_WAIT_S, TimeUnit.SECONDS)) {
                // A call still waits on a daemon that does not answer: its handles stay, rather than be freed under it.
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (connection != null) {
            Virt virt = connection.virt;
            monitorIds.forEach(id -> virt.qemu.virConnectDomainQemuMonitorEventDeregister(connection.conn, id));
            eventIds.forEach(id -> virt.lib.virConnectDomainEventDeregisterAny(connection.conn, id));
            monitorIds.clear();
            eventIds.clear();
            if (domain != null) {
                domain.close();
                domain = null;
            }
            connection.close();
            connection = null;
        }
    }
}
