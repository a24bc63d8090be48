package dev.migscope.qemu;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.json.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * A QEMU reached on its own QMP socket: events as QEMU writes them, figures from
 * {@code query-migrate}, the devices from QOM. Only queries are sent until an armed
 * {@link QemuControl} sends a command.
 */
public final class QmpLink implements QemuLink {

    private final Path socket;
    private final Duration timeout;
    private final DeviceRegistry registry;
    private QmpClient qmp;
    private volatile Map<String, String> pciPaths = Map.of();

    private QmpLink(Path socket, Duration timeout, DeviceRegistry registry) {
        this.socket = socket;
        this.timeout = timeout;
        this.registry = registry;
    }

    public static Opener opener(Path socket) {
        return (timeout, registry) -> new QmpLink(socket, timeout, registry);
    }

    @Override
    public String where() {
        return socket.toString();
    }

    @Override
    public String kind() {
        return "qmp";
    }

    @Override
    public Identity connect(Consumer<QmpEvent> events, Consumer<QmpError> closed, Consumer<String> warn)
            throws QmpException {
        qmp = QmpClient.connect(socket, timeout, silence -> warn.accept("waiting for QEMU's QMP greeting on " + socket
                + " (it has been silent; waiting up to " + silence.toSeconds() + " s of silence)"), events);
        qmp.closed().thenAccept(closed);
        String name = socket.getFileName().toString();
        String named = qmp.query("query-name", null).optionalText("name");
        if (named != null && !named.isEmpty()) {
            name = named;
        }
        String runState = QemuBounds.runState(qmp);
        boolean statusEvents = false;
        for (QmpReply c : qmp.query("query-migrate-capabilities", null).list(QemuBounds.MAX_STATUSES,
                "capabilities")) {
            statusEvents |= c.text("capability").equals("events") && c.bool("state");
        }
        QmpReply migrate = qmp.query("query-migrate", null);
        MigrationInfo info = MigrationInfo.of(migrate);
        List<String> blocked = migrate.optionalStrings("blocked-reasons", QemuBounds.MAX_WARNINGS);
        // QEMU's process: the socket's listener (its host devices' holder, when they have one, says it first).
        List<VfioPciDevice> devices = VfioPciDevice.find(qmp);
        pciPaths = readPciPaths(qmp, warn);
        return new Identity(name, qmp.version(), runState, statusEvents, info, devices,
                registry.socketListener(socket).orElse(null), blocked);
    }

    /**
     * query-migrate. Its reply is handed over by the QMP reader after the events QEMU sent before it.
     */
    @Override
    public CompletableFuture<MigrationInfo> poll() {
        return qmp.execute("query-migrate", null).thenApply(reply -> {
            try {
                return MigrationInfo.of(QmpReply.of(qmp.socket(), "query-migrate", reply));
            } catch (QmpException e) {
                qmp.drop(e.error());
                throw new CompletionException(e);
            }
        });
    }

    @Override
    public Long downtimeLimitMs() {
        try {
            return qmp.query("query-migrate-parameters", null).optionalNumber("downtime-limit");
        } catch (QmpException e) {
            if (e.error().kind() == QmpError.Kind.MALFORMED) {
                qmp.drop(e.error());
            }
            // Gone or refused: the chart goes without the limit line.
            return null;
        }
    }

    /** As query-pci said at connect. */
    @Override
    public Map<String, String> pciPaths() {
        return pciPaths;
    }

    /**
     * query-pci, once: a QEMU without it (a machine with no PCI) maps nothing; a reply past a bound
     * or against QAPI maps nothing and is said, since a tap then cannot name the devices.
     */
    private static Map<String, String> readPciPaths(QmpClient qmp, Consumer<String> warn) throws QmpException {
        try {
            return PciPaths.read(qmp);
        } catch (QmpException e) {
            if (e.error().kind() == QmpError.Kind.GONE || e.error().kind() == QmpError.Kind.TIMEOUT) {
                throw e;
            }
            if (e.error().kind() != QmpError.Kind.COMMAND) {
                warn.accept("the devices' guest PCI paths are unknown (a tap cannot name them): "
                        + e.error().message());
            }
            return Map.of();
        }
    }

    @Override
    public List<VfioPciDevice> devices() throws QmpException {
        try {
            return VfioPciDevice.find(qmp);
        } catch (QmpException e) {
            if (e.error().kind() != QmpError.Kind.GONE) {
                qmp.drop(e.error());
            }
            throw e;
        }
    }

    @Override
    public void drop(QmpError why) {
        qmp.drop(why);
    }

    @Override
    public boolean isClosed() {
        return qmp == null || qmp.isClosed();
    }

    @Override
    public String migrationEventsFix(VfioPciDevice device) {
        return "start QEMU with -device vfio-pci,...,migration-events=on";
    }

    @Override
    public Optional<String> uriRefusal(String uri) {
        return QemuControl.uriRefusal(uri);
    }

    @Override
    public String migrate(String uri) throws QmpException {
        qmp.call("migrate", Json.object().put("uri", uri));
        return "migrate";
    }

    @Override
    public String cancel() throws QmpException {
        qmp.call("migrate_cancel", null);
        return "migrate_cancel";
    }

    @Override
    public Sent setDowntimeLimit(long ms) throws QmpException {
        qmp.call("migrate-set-parameters", Json.object().put("downtime-limit", ms));
        return new Sent("migrate-set-parameters", qmp.query("query-migrate-parameters", null)
                .optionalNumber("downtime-limit"));
    }

    @Override
    public String runState() throws QmpException {
        return QemuBounds.runState(qmp);
    }

    @Override
    public String migrationStatus() throws QmpException {
        String reported = qmp.query("query-migrate", null).optionalText("status");
        return reported == null ? "none" : reported;
    }

    @Override
    public void close() {
        if (qmp != null) {
            qmp.close();
        }
    }
}
