package dev.migscope.ui.mainwindow;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import dev.migscope.protocol.MigscopeVersion;
import dev.migscope.host.SshHost;
import dev.migscope.remote.HostException;
import dev.migscope.remote.RemoteDevice;
import dev.migscope.remote.RemoteHost;
import dev.migscope.remote.SshSettings;
import dev.migscope.remote.SshTarget;
import dev.migscope.session.SessionOptions;
import dev.migscope.ui.common.FxTasks;
import dev.migscope.ui.devices.DeviceListView;
import dev.migscope.ui.log.EventLogView;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuItem;

/**
 * The other hosts the window reaches over ssh (File -> Connect to host..., {@code migscope window
 * --host}): connecting and listing off the FX thread, on one thread per host so that a slow host
 * holds up no other; each host a node of the device list with its kernel, its migscope and its
 * devices below it; a device opened there when it is selected, as {@link DeviceListController}
 * opens a local one (an open that completes for a device no longer wanted is closed again); and
 * the end of a connection: the host and its rows say so, with their last known states, until
 * Reconnect. FX thread.
 */
public final class RemoteController {

    public static final String CONNECT = "connect-host";
    public static final String RECONNECT = "reconnect-host";

    /** The device list's owner name for the hosts' nodes. */
    private static final String NODES = "hosts";

    /** Where the hosts connected to are remembered ({@code UserFiles}), most recent first. */
    public interface HostMemory {
        /** The remembered hosts; a problem reading them is one sentence to {@code problems}, never a throw. */
        List<String> loadHosts(Consumer<String> problems);

        /** Puts {@code host} first. */
        void rememberHost(String host) throws IOException;
    }

    /** One host of the list: its connection while it holds, what it listed last, and what the node says. */
    private static final class Host {
        final SshTarget target;
        final FxTasks tasks;
        RemoteHost remote;
        List<DeviceInfo> devices = List.of();
        /** While not connected: why (connecting, could not connect, disconnected); null while connected. */
        String status;
        boolean lost;
        CompletableFuture<RemoteHost> connecting;

        Host(SshTarget target) {
            this.target = target;
            this.tasks = new FxTasks("migscope-host-" + target.display());
        }

        String display() {
            return target.display();
        }
    }

    private final DeviceListView list;
    private final SelectedDevice selected;
    private final EventLogView log;
    private final SessionOptions baseOptions;
    private final Supplier<SshSettings> ssh;
    private final HostMemory memory;
    private final FxTasks files = new FxTasks("migscope-hosts-file");
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private final Menu reconnectMenu = new Menu("Reconnect to host");
    /** The remote view the window shows, or null. */
    private RemoteDevice shown;

    /**
     * @param ssh read at each connect: how ssh runs ({@code MIGSCOPE_SSH...}); a bad setting fails that connect
     */
    public RemoteController(DeviceListView list, SelectedDevice selected,
            EventLogView log, SessionOptions baseOptions, Supplier<SshSettings> ssh, HostMemory memory) {
        this.list = list;
        this.selected = selected;
        this.log = log;
        this.baseOptions = baseOptions;
        this.ssh = ssh;
        this.memory = memory;
        reconnectMenu.setDisable(true);
        list.setOnSelectMember(NODES, m -> open(m.id()));
        selected.viewProperty().addListener((o, was, v) -> {
            if (shown != null && v != shown) {
                RemoteDevice old = shown;
                shown = null;
                hostOf(old).ifPresent(h -> h.tasks.execute(old::close));
                list.refreshRows();
            }
        });
    }

    // ---------------------------------------------------------------- connecting

    /** Asks for a host (offering the remembered ones) and connects to it. */
    public void chooseAndConnect() {
        files.supply(() -> memory.loadHosts(p -> FxTasks.FX.execute(() -> log.problem(p))))
                .thenAccept(remembered -> ConnectDialog.ask(list, remembered).ifPresent(this::connect));
    }

    /**
     * Connects to {@code [USER@]HOST[:PORT]} (or an ssh_config alias) and lists its devices; a
     * host already connected is left as it is. A failure is one line of the log naming the host.
     * Completes on the FX thread.
     */
    public CompletableFuture<RemoteHost> connect(String spec) {
        SshTarget target;
        try {
            target = SshTarget.parse(spec.strip());
        } catch (IllegalArgumentException e) {
            log.problem(e.getMessage());
            return CompletableFuture.failedFuture(e);
        }
        Host h = hosts.computeIfAbsent(target.display(), d -> new Host(target));
        if (h.connecting != null) {
            return h.connecting;
        }
        if (h.remote != null) {
            return h.lost ? reconnect(h.display()) : CompletableFuture.completedFuture(h.remote);
        }
        return connect(h);
    }

    private record Connected(RemoteHost remote, List<DeviceInfo> devices) {
    }

    private CompletableFuture<RemoteHost> connect(Host h) {
        h.status = "connecting\u2026";
        h.lost = false;
        showNodes();
        log.note("connecting to " + h.display() + " over ssh");
        CompletableFuture<RemoteHost> done = h.tasks.supply(() -> {
            RemoteHost r;
            try {
                // The window lists the simulated devices too, here and there.
                r = RemoteHost.connect(h.target, ssh.get(), MigscopeVersion.current(),
                        line -> FxTasks.FX.execute(() -> log.note(h.display() + "  ssh: " + line)));
            } catch (HostException | IllegalArgumentException e) {
                throw new CompletionException(e);
            }
            try {
                return new Connected(r, r.list(true));
            } catch (VfioException e) {
                r.close();
                throw new CompletionException(e);
            }
        }).handle((c, err) -> {
            h.connecting = null;
            if (err != null) {
                String why = VfioException.describe(err);
                log.problem(why.startsWith(h.display()) ? why : h.display() + ": " + why);
                h.status = "not connected (the log says why)";
                showNodes();
                throw new CompletionException(err);
            }
            connected(h, c);
            return c.remote();
        });
        h.connecting = done;
        return done;
    }

    private void connected(Host h, Connected c) {
        RemoteHost r = c.remote();
        if (hosts.get(h.display()) != h) {
            // disconnected while connecting
            files.execute(r::close);
            return;
        }
        h.remote = r;
        h.devices = c.devices();
        h.status = null;
        log.note("connected to " + h.display() + ": " + DeviceListView.identity(r.kernel(), r.farVersion()) + ", "
                + c.devices().size() + " devices");
        FxTasks.onFx(r.ended()).thenAccept(reason -> ended(h, r, reason));
        files.execute(() -> {
            try {
                memory.rememberHost(h.display());
            } catch (IOException e) {
                FxTasks.FX.execute(() -> log.problem("could not remember " + h.display()
                        + " for the next Connect to host (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                        + "); it stays connected"));
            }
        });
        showNodes();
    }

    /** The connection ended: when nobody here ended it, the host and its rows say so, and the log once. */
    private void ended(Host h, RemoteHost r, String reason) {
        if (h.remote != r || hosts.get(h.display()) != h) {
            return;
        }
        h.lost = true;
        h.status = "disconnected: " + lastKnown(h);
        log.problem(reason + "; " + h.display() + "'s devices show their last known state; Reconnect (right-click "
                + h.display() + ") connects again");
        showNodes();
        selected.changed();
    }

    /** Connects to the host again and lists it again; the device shown there is opened again. */
    public CompletableFuture<RemoteHost> reconnect(String display) {
        Host h = hosts.get(display);
        if (h == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(display + " is not in the list"));
        }
        if (h.connecting != null) {
            return h.connecting;
        }
        String reopen = shown != null && hostOf(shown).orElse(null) == h ? key(h, shown.id()) : null;
        if (reopen != null) {
            // shows none, and the listener closes the old view
            selected.want(reopen);
        }
        RemoteHost old = h.remote;
        h.remote = null;
        if (old != null) {
            h.tasks.execute(old::close);
        }
        CompletableFuture<RemoteHost> done = connect(h);
        if (reopen != null) {
            done.thenRun(() -> {
                if (selected.wants(reopen)) {
                    open(reopen);
                }
            });
        }
        return done;
    }

    /** Ends the connection (the far side closes what it held open) and takes the host off the list. */
    public void disconnect(String display) {
        Host h = hosts.get(display);
        if (h == null) {
            return;
        }
        if (shown != null && hostOf(shown).orElse(null) == h) {
            // shows none, and the listener closes the view on the host's thread
            selected.want(null);
        }
        hosts.remove(display);
        RemoteHost r = h.remote;
        h.remote = null;
        if (r != null) {
            h.tasks.execute(r::close);
        }
        h.tasks.shutdown();
        log.note("disconnected from " + display);
        showNodes();
    }

    // ---------------------------------------------------------------- devices

    /**
     * Opens a device of a connected host ({@code HOST/ID}, its row's id), closing what the window
     * showed, and shows it: a simulated one armed, a real one not (Ctrl+A arms it), as locally.
     * Completes on the FX thread.
     */
    public CompletableFuture<RemoteDevice> open(String key) {
        int slash = key.indexOf('/');
        Host h = slash < 0 ? null : hosts.get(key.substring(0, slash));
        if (h == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(key + ": no such host in the list"));
        }
        String id = key.substring(slash + 1);
        if (shown != null && key.equals(key(h, shown.id())) && hostOf(shown).orElse(null) == h) {
            return CompletableFuture.completedFuture(shown);
        }
        RemoteHost r = h.remote;
        if (r == null || h.lost) {
            log.problem(id + " on " + h.display() + ": not connected; Reconnect (right-click " + h.display()
                    + ") connects again");
            return CompletableFuture.failedFuture(new IllegalStateException(h.display() + " is not connected"));
        }
        selected.want(key);
        boolean sim = h.devices.stream().filter(d -> d.id().equals(id)).findFirst()
                .map(d -> d.kind() == DeviceKind.SIM).orElse(id.startsWith("sim:"));
        log.note("opening " + id + " on " + h.display() + (sim ? " (simulated: armed)" : " (not armed: Ctrl+A arms it)"));
        SessionOptions options = baseOptions.withArmed(sim);
        return h.tasks.supply(() -> {
            try {
                return r.open(id, SshHost.options(options, true, false));
            } catch (VfioException e) {
                throw new CompletionException(e);
            }
        }).whenComplete((d, err) -> {
            if (!selected.wants(key)) {
                if (d != null) {
                    (hosts.get(h.display()) == h ? h.tasks : files).execute(d::close);
                }
                return;
            }
            if (err != null) {
                log.problem(VfioException.describe(err));
                return;
            }
            shown = d;
            selected.viewProperty().set(d);
            log.note("opened " + id + " on " + h.display() + ": " + d.info().displayName() + ", features "
                    + d.features() + ", state " + d.state() + (d.isPassive() ? ", watched (held by another process)" : ""));
            list.refreshRows();
        });
    }

    /** The remote view the window shows, or null. */
    public RemoteDevice shown() {
        return shown;
    }

    /** A host's connection while it holds. */
    public Optional<RemoteHost> host(String display) {
        Host h = hosts.get(display);
        return h == null || h.lost ? Optional.empty() : Optional.ofNullable(h.remote);
    }

    /** File -> Reconnect to host: one item per host. */
    public Menu reconnectMenu() {
        return reconnectMenu;
    }

    /** Closes every device shown and every connection (the far agents close what they hold). */
    public void dispose() {
        for (String display : List.copyOf(hosts.keySet())) {
            disconnect(display);
        }
        files.shutdown();
    }

    // ---------------------------------------------------------------- the list

    private static String key(Host h, String id) {
        return h.display() + "/" + id;
    }

    private Optional<Host> hostOf(RemoteDevice d) {
        return hosts.values().stream().filter(h -> h.remote == d.host()).findFirst();
    }

    private void showNodes() {
        List<DeviceListView.Attached> nodes = new ArrayList<>();
        reconnectMenu.getItems().clear();
        for (Host h : hosts.values()) {
            List<DeviceListView.Member> members = h.remote == null ? List.of() : h.devices.stream()
                    .map(d -> new DeviceListView.Member(key(h, d.id()), d, () -> rowDetail(h, d))).toList();
            String detail = h.remote == null ? h.status
                    : DeviceListView.identity(h.remote.kernel(), h.remote.farVersion())
                    + (h.status == null ? "" : "\n" + h.status);
            nodes.add(new DeviceListView.Attached(h.display(), detail, List.of(), members, List.of(
                    new DeviceListView.NodeAction("Reconnect", () -> reconnect(h.display())),
                    new DeviceListView.NodeAction("Disconnect", () -> disconnect(h.display()))), DeviceListView.HOST_NODE));
            MenuItem again = new MenuItem("Reconnect to " + h.display());
            again.setOnAction(e -> reconnect(h.display()));
            reconnectMenu.getItems().add(again);
        }
        reconnectMenu.setDisable(hosts.isEmpty());
        list.setAttached(NODES, nodes);
    }

    /** A device's row: what it was listed with, its state now when shown, or its last known one. */
    private String rowDetail(Host h, DeviceInfo d) {
        RemoteDevice open = shown != null && shown.id().equals(d.id()) && shown.host() == h.remote ? shown : null;
        MigState state = open != null ? open.state() : d.knownState().orElse(null);
        String st = state == null ? "unknown" : state.name();
        String features = d.knownFeatures().map(Object::toString).orElse("features unknown");
        if (h.lost) {
            return d.driver() + "\ndisconnected: last known state " + st;
        }
        return d.driver() + "  \u00b7  " + st + "\n" + features + (open != null ? "\nopen in this window" : "");
    }

    /** The host's last known state: of the device shown there, else each row says its own. */
    private String lastKnown(Host h) {
        return shown != null && shown.host() == h.remote ? "last known state " + shown.state() + " (" + shown.id() + ")"
                : "last known states below";
    }

    public void publishTo(Commands commands) {
        commands.publish(new Commands.Command(CONNECT, "Connect to host\u2026", "Shortcut+Shift+H",
                "The devices of another host, over ssh", false, this::chooseAndConnect));
        commands.publish(RECONNECT, reconnectMenu());
    }
}
