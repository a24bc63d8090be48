package dev.migscope.ui.mainwindow;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.Visible;
import dev.migscope.libvirt.DomainSummary;
import dev.migscope.libvirt.DomainXml;
import dev.migscope.libvirt.LibvirtException;
import dev.migscope.libvirt.LibvirtLink;
import dev.migscope.qemu.AttachedQemu;
import dev.migscope.ui.common.FxTasks;
import dev.migscope.ui.devices.DeviceListView;
import dev.migscope.ui.log.EventLogView;
import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * The libvirt daemons the window reaches (File -> Connect to libvirt...): each connection a node of
 * the device list, its running domains a node each below it with their VFIO hostdevs (the host
 * device each names, whether migration-events is on); selecting a domain attaches to it through
 * libvirt, read-only, as File -> Attach to QEMU attaches to a socket ({@link QemuController}), and
 * its QEMU is then a node of its own. Listing runs off the FX thread. FX thread.
 */
public final class LibvirtController {

    public static final String CONNECT = "connect-libvirt";
    /** The style class of a libvirt connection's node and of its domains' nodes. */
    public static final String LIBVIRT_NODE = "libvirt-node";
    public static final String DOMAIN_NODE = "libvirt-domain-node";
    /** The device list's owner name for these nodes. */
    private static final String NODES = "libvirt";
    /** The longest URI remembered or connected to. */
    static final int MAX_URI = 1024;

    /** Where the libvirt URIs connected to are remembered ({@code UserFiles}), most recent first. */
    public interface UriMemory {
        /** The remembered URIs; a problem reading them is one sentence to {@code problems}, never a throw. */
        List<String> loadLibvirtUris(Consumer<String> problems);

        /** Puts {@code uri} first. */
        void rememberLibvirtUri(String uri) throws IOException;
    }

    /** One connection of the list: what it listed last, or why it lists nothing. */
    private static final class Daemon {
        final String uri;
        List<DomainSummary> domains = List.of();
        /** Why no domains are shown (listing, could not list); null once listed. */
        String status = "listing\u2026";

        Daemon(String uri) {
            this.uri = uri;
        }
    }

    private record DomainNode(String uri, String domain) {
    }

    private final DeviceListView list;
    private final EventLogView log;
    private final QemuController qemus;
    private final UriMemory memory;
    private final FxTasks tasks = new FxTasks("migscope-libvirt");
    private final Map<String, Daemon> daemons = new LinkedHashMap<>();
    private final Map<DeviceListView.Attached, DomainNode> byNode = new IdentityHashMap<>();

    public LibvirtController(DeviceListView list, EventLogView log, QemuController qemus, UriMemory memory) {
        this.list = list;
        this.log = log;
        this.qemus = qemus;
        this.memory = memory;
        list.setOnSelectNode(NODES, this::selected);
    }

    /** Why {@code uri} is not a libvirt URI migscope connects to (QEMU's drivers), or null when it is. */
    public static String uriProblem(String uri) {
        if (uri == null || uri.isBlank()) {
            return "name a libvirt URI: qemu:///system, qemu:///session or qemu+ssh://HOST/system";
        }
        String u = uri.strip();
        if (u.length() > MAX_URI || u.codePoints().anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c))) {
            return Visible.of(u) + " is not a libvirt URI: it is longer than " + MAX_URI
                    + " characters, or holds blanks or control characters";
        }
        int colon = u.indexOf("://");
        if (colon < 0 || !LibvirtLink.URI_SCHEMES.contains(u.substring(0, colon))) {
            return Visible.of(u) + " is not a libvirt URI of QEMU's driver (" + String.join(", ",
                    LibvirtLink.URI_SCHEMES.stream().map(s -> s + "://").toList()) + ")";
        }
        return null;
    }

    /** Asks for a URI (offering the remembered ones, qemu:///system first when none is) and connects. */
    public void chooseAndConnect() {
        tasks.supply(() -> memory.loadLibvirtUris(p -> FxTasks.FX.execute(() -> log.problem(p))))
                .thenAccept(remembered -> LibvirtDialog.ask(list, remembered).ifPresent(this::connect));
    }

    /**
     * Connects to the daemon at {@code uri} and lists its running domains (again, for one already
     * listed). A failure is one line of the log naming the URI, and the node says so. Completes on
     * the FX thread with the domains listed.
     */
    public CompletableFuture<List<DomainSummary>> connect(String uri) {
        String why = uriProblem(uri);
        if (why != null) {
            log.problem(why);
            return CompletableFuture.failedFuture(new IllegalArgumentException(why));
        }
        String u = uri.strip();
        Daemon d = daemons.computeIfAbsent(u, Daemon::new);
        d.status = "listing\u2026";
        showNodes();
        log.note("connecting to libvirt at " + u);
        return tasks.supply(() -> {
            try {
                return DomainSummary.running(u);
            } catch (LibvirtException e) {
                throw new CompletionException(e);
            }
        }).handle((domains, err) -> {
            if (daemons.get(u) != d) {
                return List.<DomainSummary>of(); // disconnected meanwhile
            }
            if (err != null) {
                Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
                log.problem("libvirt " + u + ": " + cause.getMessage());
                d.status = "not connected (the log says why)";
                showNodes();
                throw new CompletionException(cause);
            }
            d.domains = domains;
            d.status = null;
            log.note("libvirt " + u + ": " + domains.size() + " running domain" + (domains.size() == 1 ? "" : "s"));
            tasks.execute(() -> {
                try {
                    memory.rememberLibvirtUri(u);
                } catch (IOException e) {
                    FxTasks.FX.execute(() -> log.problem("could not remember " + u + " for the next Connect to "
                            + "libvirt (" + e.getMessage() + ")"));
                }
            });
            showNodes();
            return domains;
        });
    }

    /** Takes the connection's node and its domains' off the list (QEMUs attached through it stay attached). */
    public void disconnect(String uri) {
        if (daemons.remove(uri) != null) {
            log.note("libvirt " + uri + ": taken off the list");
            showNodes();
        }
    }

    /** A node selected: a domain's attaches to it (once; its QEMU's node follows it from then on). */
    private boolean selected(DeviceListView.Attached n) {
        DomainNode d = byNode.get(n);
        if (d == null) {
            return false;
        }
        Optional<AttachedQemu> already = qemus.attachedTo(LibvirtLink.where(d.domain(), d.uri()));
        if (already.isPresent()) {
            log.note("domain " + d.domain() + " is attached: its QEMU is the node QEMU " + already.get().name());
            return true;
        }
        qemus.attachLibvirt(d.uri(), d.domain());
        return true;
    }

    private void showNodes() {
        byNode.clear();
        List<DeviceListView.Attached> nodes = new ArrayList<>();
        List<DeviceInfo> here = list.devices();
        for (Daemon d : daemons.values()) {
            String detail = d.status != null ? d.status
                    : d.domains.size() + " running domain" + (d.domains.size() == 1 ? "" : "s");
            DeviceListView.Attached daemon = new DeviceListView.Attached("libvirt " + d.uri, detail, List.of(),
                    List.of(), List.of(new DeviceListView.NodeAction("List again", () -> connect(d.uri)),
                            new DeviceListView.NodeAction("Disconnect", () -> disconnect(d.uri))), LIBVIRT_NODE);
            nodes.add(daemon);
            if (d.status != null) {
                continue;
            }
            for (DomainSummary s : d.domains) {
                DeviceListView.Attached n = new DeviceListView.Attached("domain " + s.name(), domainDetail(s, here),
                        List.of(), List.of(), List.of(), DOMAIN_NODE);
                byNode.put(n, new DomainNode(d.uri, s.name()));
                nodes.add(n);
            }
        }
        list.setAttached(NODES, nodes);
    }

    /** {@code running; select to attach} and a line per hostdev: its alias, the host device, events on or off. */
    static String domainDetail(DomainSummary s, List<DeviceInfo> here) {
        StringBuilder b = new StringBuilder(s.state() + "; select to attach (read-only)");
        if (s.hostdevs().isEmpty()) {
            b.append("\nno VFIO hostdev");
        }
        for (DomainXml.Hostdev h : s.hostdevs()) {
            String driver = here.stream().filter(i -> i.id().equals(h.hostId())).findFirst()
                    .map(i -> " (" + i.driver() + ")").orElse("");
            b.append('\n').append(h.alias()).append(" = host ").append(h.hostId()).append(driver)
                    .append(h.migrationEvents() ? ", migration-events on" : ", migration-events off");
        }
        return b.toString();
    }

    public void dispose() {
        tasks.shutdown();
    }

    public void publishTo(Commands commands) {
        commands.publish(new Commands.Command(CONNECT, "Connect to libvirt\u2026", null,
                "The domains a libvirt daemon runs, and their VFIO hostdevs", false, this::chooseAndConnect));
    }
}
