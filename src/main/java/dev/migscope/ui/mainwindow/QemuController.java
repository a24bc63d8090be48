package dev.migscope.ui.mainwindow;

import dev.migscope.attachtap.AttachTap;
import dev.migscope.device.VfioException;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.libvirt.LibvirtLink;
import dev.migscope.qemu.AttachRun;
import dev.migscope.qemu.AttachedQemu;
import dev.migscope.qemu.Observation;
import dev.migscope.qemu.QemuControl;
import dev.migscope.qemu.QemuLink;
import dev.migscope.qemu.QemuReport;
import dev.migscope.qemu.QmpException;
import dev.migscope.qemu.QmpLink;
import dev.migscope.ui.common.FileDialogs;
import dev.migscope.ui.common.FxTasks;
import dev.migscope.ui.devices.DeviceListView;
import dev.migscope.ui.log.EventLogView;
import dev.migscope.view.DeviceView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextInputDialog;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/**
 * The QEMUs the window follows (File -> Attach to QEMU..., {@code migscope window --attach}):
 * attaching off the FX thread, each QEMU a node of the device list with its VFIO devices below it,
 * what it reports in the event log, and its report as a tab once its migration is over; selecting
 * a QEMU's node shows its report so far. Attaching sends QEMU only queries: the VM is changed only
 * through the QEMU menu, enabled once the user armed the selected QEMU (Arm, Ctrl+A, on its node or
 * one of its devices), as a device is armed. FX thread.
 */
public final class QemuController {

    public static final String ATTACH = "attach-qemu";
    public static final String MENU = "qemu-menu";
    /** What Start migration to... offers a QEMU the user has not migrated from yet. */
    static final String EXAMPLE_URI = "unix:/tmp/mig.sock";
    /** The owner of the QEMU nodes in the device list. */
    private static final String NODES = "qemu";

    private final DeviceListView list;
    private final DeviceRegistry registry;
    private final EventLogView log;
    private final TabPane tabs;
    /** Its own thread: an attach may wait the whole timeout for a greeting, and must not hold up a rescan. */
    private final FxTasks tasks = new FxTasks("migscope-qemu-attach");
    private final SelectedDevice selected;
    private final List<QemuControl> attached = new ArrayList<>();
    /** The nodes last given to the list, to find the QEMU of the node the user selects. */
    private final Map<DeviceListView.Attached, QemuControl> byNode = new IdentityHashMap<>();
    /** The destination URI the user last gave each QEMU: Start migration to... offers it again. */
    private final Map<QemuControl, String> lastUri = new IdentityHashMap<>();
    /** The title of the QEMU node the user asked for, while it is what the selection wants; else null. */
    private String nodeKey;
    /** Whether each attached QEMU was armed when its node was last drawn (an arming redraws the nodes). */
    private List<Boolean> drawnArmed = List.of();
    private final List<MenuItem> armedItems = new ArrayList<>();
    private final MenuItem tapItem = new MenuItem("Tap migration\u2026");
    private AttachTap tap;
    /** The QEMUs attached when the tap started: its sections are their devices (read on the tap's threads). */
    private volatile List<AttachedQemu> tapped = List.of();
    private final TextArea reportText = new TextArea();
    private Tab reportTab;

    /**
     * @param selected the window's selection: a QEMU's node or one of its devices selected makes
     *                 that QEMU the selection's, which arming and the QEMU menu act on
     */
    public QemuController(DeviceListView list, DeviceRegistry registry, EventLogView log, TabPane tabs,
            SelectedDevice selected) {
        this.list = list;
        this.registry = registry;
        this.log = log;
        this.tabs = tabs;
        this.selected = selected;
        list.setOnSelectNode(NODES, this::showNode);
        selected.wantedProperty().addListener((o, was, key) -> {
            if (nodeKey != null && !nodeKey.equals(key)) {
                leaveNode();
            }
        });
        selected.viewProperty().addListener((o, was, v) -> {
            if (v != null) {
                selected.qemuProperty().set(owner(v));
            }
        });
        selected.onChange(() -> {
            if (!drawnArmed.equals(armedNow())) {
                list.setAttached(NODES, nodes());
            }
            syncMenu();
        });
        reportText.setId("qemu-report");
        reportText.setEditable(false);
        reportText.getStyleClass().add("mono");
    }

    /** Asks for the sockets (one per line) and attaches to each. */
    public void chooseAndAttach() {
        TextArea paths = new TextArea();
        paths.setId("attach-sockets");
        paths.setPromptText("/tmp/src-migscope.qmp\n/tmp/dst-migscope.qmp");
        paths.setPrefRowCount(4);
        Label explain = new Label("QMP sockets, one per line (QEMU's -qmp unix:SOCKET,server=on,wait=off; a socket "
                + "serves one client at a time, so give QEMU a second one for migscope). Attaching only reads: "
                + "it never changes the VM.");
        explain.setWrapText(true);
        explain.setMaxWidth(460);
        Dialog<List<Path>> d = new Dialog<>();
        d.setTitle("Attach to QEMU");
        d.getDialogPane().setContent(new VBox(8, explain, paths));
        d.getDialogPane().getButtonTypes().addAll(ButtonType.OK, ButtonType.CANCEL);
        d.setResultConverter(b -> b == ButtonType.OK ? sockets(paths.getText()) : null);
        if (tabs.getScene() != null) {
            d.initOwner(tabs.getScene().getWindow());
        }
        d.showAndWait().filter(s -> !s.isEmpty()).ifPresent(this::attach);
    }

    /**
     * The sockets a dialog's text names: one per line, blank lines skipped, surrounding blanks
     * stripped, and QEMU's own spelling {@code unix:PATH[,server=on,...]} taken as PATH, so a line
     * copied from a -qmp option works.
     */
    static List<Path> sockets(String text) {
        return Arrays.stream(text.split("\\R")).map(String::strip).filter(s -> !s.isEmpty())
                .map(s -> s.startsWith("unix:") ? s.substring("unix:".length()).split(",", 2)[0] : s)
                .map(Path::of).toList();
    }

    /**
     * Attaches to each socket; one that fails is a line in the log, the others still attach.
     * Completes on the FX thread with the QEMUs attached.
     */
    public CompletableFuture<List<AttachedQemu>> attach(List<Path> sockets) {
        List<CompletableFuture<AttachedQemu>> each = sockets.stream().map(this::attach).toList();
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                .thenApply(v -> each.stream().map(CompletableFuture::join).filter(Objects::nonNull).toList());
    }

    private CompletableFuture<AttachedQemu> attach(Path socket) {
        return attach(socket.toString(), QmpLink.opener(socket));
    }

    /**
     * Attaches to a libvirt domain (a domain's node selected under Connect to libvirt), read-only
     * as a socket is: QEMU's events as libvirt forwards them. Completes on the FX thread, null when
     * it failed (a line in the log).
     */
    public CompletableFuture<AttachedQemu> attachLibvirt(String uri, String domain) {
        return attach(LibvirtLink.where(domain, uri), LibvirtLink.opener(uri, domain));
    }

    /** The attached QEMU reached at {@code where} (a socket, a domain) that is still followed. */
    public Optional<AttachedQemu> attachedTo(String where) {
        return attached.stream().map(QemuControl::qemu).filter(q -> q.where().equals(where) && q.ended() == null)
                .findFirst();
    }

    private CompletableFuture<AttachedQemu> attach(String where, QemuLink.Opener opener) {
        log.note("attaching to " + where + " (read-only: migscope sends QEMU only queries)");
        return tasks.supply(() -> {
            try {
                return AttachedQemu.attach(opener, where, AttachRun.QMP_TIMEOUT, registry,
                        o -> FxTasks.FX.execute(() -> seen(o)));
            } catch (QmpException e) {
                throw new CompletionException(e);
            }
        }).handle((q, err) -> {
            if (err != null) {
                log.problem(VfioException.describe(err));
                return null;
            }
            attached.add(new QemuControl(q));
            list.setAttached(NODES, nodes());
            q.outcome().whenComplete((o, e) -> FxTasks.FX.execute(this::migrationOver));
            return q;
        });
    }

    /**
     * What a QEMU reported: a line in the log (a device's own states reach the log as its events
     * when it is selected), and the list drawn again, since a state or the QEMU's life changed.
     */
    private void seen(Observation o) {
        switch (o.kind()) {
            case WARNING, GONE -> log.problem(o.format());
            case DEVICE_STATE -> { }
            default -> log.note(o.format());
        }
        if (o.kind() == Observation.Kind.GONE) {
            list.setAttached(NODES, nodes());
            syncMenu();
        } else {
            list.refreshRows();
        }
        Optional<QemuControl> node = nodeKey == null ? Optional.empty() : selected.qemu();
        if (node.isPresent() && reportTab != null && o.qemu().equals(node.get().qemu().name())) {
            reportText.setText(QemuReport.of(List.of(node.get().qemu())).text());
        }
    }

    private List<DeviceListView.Attached> nodes() {
        List<DeviceListView.Attached> out = new ArrayList<>();
        byNode.clear();
        drawnArmed = armedNow();
        for (QemuControl c : attached) {
            AttachedQemu q = c.qemu();
            String detail = (c.isArmed() ? DeviceListView.ARMED + ": migscope may migrate, cancel, set downtime-limit\n"
                    : "") + "QEMU " + q.version() + ", " + q.role().name().toLowerCase(Locale.ROOT)
                    + q.process().map(o -> ", pid " + o.pid()).orElse("") + "\n" + q.where()
                    + (q.ended() != null ? "\n" + q.ended() : "");
            DeviceListView.Attached n = new DeviceListView.Attached("QEMU " + q.name(), detail,
                    List.<DeviceView>copyOf(q.devices()));
            byNode.put(n, c);
            out.add(n);
        }
        return out;
    }

    /**
     * A node selected: if it is an attached QEMU's, no device is shown and the report tab shows this
     * QEMU's report so far. False for another owner's node (a host), which shows nothing.
     */
    private boolean showNode(DeviceListView.Attached n) {
        QemuControl c = byNode.get(n);
        if (c == null) {
            return false;
        }
        if (n.title().equals(nodeKey)) {
            return true;
        }
        selected.want(n.title());
        nodeKey = n.title();
        selected.qemuProperty().set(c);
        selected.changed();
        showReport(List.of(c.qemu()));
        log.note("showing QEMU " + c.qemu().name() + " (" + c.qemu().where() + "): its report so far"
                + (c.isArmed() ? "; armed" : "; not armed: Ctrl+A arms it"));
        return true;
    }

    /**
     * Something else was wanted after a QEMU's node: back to the Inspector, and the parts that
     * showed the node's QEMU (Arm, the QEMU menu, the status bar) told again.
     */
    private void leaveNode() {
        nodeKey = null;
        selected.qemuProperty().set(owner(selected.view()));
        if (reportTab != null && reportTab.isSelected()) {
            tabs.getSelectionModel().select(0);
        }
        selected.changed();
    }

    /** The attached QEMU that migrates {@code v}, or null. */
    private QemuControl owner(DeviceView v) {
        return v == null ? null : attached.stream().filter(c -> c.qemu().devices().contains(v)).findFirst()
                .orElse(null);
    }

    private List<Boolean> armedNow() {
        return attached.stream().map(QemuControl::isArmed).toList();
    }

    /**
     * {@code migrate} to {@code uri} from the selected QEMU, which remembers it (refused or not, so a
     * mistyped one can be corrected); completes on the FX thread, the outcome logged.
     */
    public CompletableFuture<Observation> migrate(String uri) {
        selected.qemu().ifPresent(c -> lastUri.put(c, uri));
        return command(c -> c.migrate(uri));
    }

    /** What Start migration to... offers the selected QEMU: the URI last given to it, else an example. */
    private String offeredUri() {
        return selected.qemu().map(lastUri::get).orElse(EXAMPLE_URI);
    }

    /** {@code migrate_cancel} on the selected QEMU. */
    public CompletableFuture<Observation> cancelMigration() {
        return command(QemuControl::cancel);
    }

    /** {@code downtime-limit} of the selected QEMU, in ms. */
    public CompletableFuture<Observation> setDowntimeLimit(long ms) {
        return command(c -> c.setDowntimeLimit(ms));
    }

    private interface Command {
        Observation send(QemuControl c) throws QmpException;
    }

    private CompletableFuture<Observation> command(Command command) {
        Optional<QemuControl> c = selected.qemu();
        if (c.isEmpty()) {
            log.problem("no attached QEMU is selected: select its node in the device list");
            return CompletableFuture.completedFuture(null);
        }
        return tasks.supply(() -> {
            try {
                return command.send(c.get());
            } catch (QmpException e) {
                throw new CompletionException(e);
            }
        }).whenComplete((o, err) -> {
            if (err != null) {
                log.problem(c.get().qemu().name() + ": " + VfioException.describe(err));
            } else {
                log.note(o.format());
            }
        });
    }

    /** The QEMU menu: what an armed QEMU lets migscope do, and its report. */
    public Menu menu() {
        MenuItem migrate = armedItem("Start migration to\u2026", () -> ask("Start migration",
                "Destination URI (the destination QEMU's -incoming):", offeredUri())
                .ifPresent(this::migrate));
        MenuItem cancel = armedItem("Cancel migration", this::cancelMigration);
        MenuItem limit = armedItem("Set downtime limit\u2026", () -> selected.qemu().ifPresent(c ->
                ask("Set downtime limit", "downtime-limit in ms (QEMU's default is 300):",
                        String.valueOf(Optional.ofNullable(c.qemu().downtimeLimitMs()).orElse(300L)))
                        .ifPresent(this::downtimeLimit)));
        tapItem.setOnAction(e -> ask("Tap migration", "LISTEN=FORWARD: the source migrates to LISTEN, the tap "
                + "forwards to the destination's -incoming FORWARD (unix:PATH or tcp:HOST:PORT):",
                "unix:/tmp/migscope-tap.sock=" + offeredUri()).ifPresent(this::startTap));
        MenuItem report = new MenuItem("Show QEMU report");
        report.setOnAction(e -> showReport());
        Menu m = new Menu("QEMU", null, migrate, cancel, limit, new SeparatorMenuItem(), tapItem,
                new SeparatorMenuItem(), report);
        m.setId("menu-qemu");
        syncMenu();
        return m;
    }

    /**
     * Starts a tap on the attached QEMUs' migration (one at a time): its VFIO sections feed the
     * attached devices of the same guest PCI path, the same nodes, their data throughput charts
     * drawn from its bytes; its lines go to the log. It only forwards and reads: no QEMU is armed.
     */
    public void startTap(String listenEqualsForward) {
        if (tap != null) {
            log.problem("a tap is running already: it ends with its migration");
            return;
        }
        AttachTap.Ends ends;
        try {
            ends = AttachTap.Ends.parse(listenEqualsForward);
        } catch (IllegalArgumentException e) {
            log.problem("tap: " + e.getMessage());
            return;
        }
        tapped = attached();
        AttachTap t = new AttachTap(ends, () -> tapped, o -> FxTasks.FX.execute(() -> seen(o)));
        try {
            t.start();
        } catch (IOException e) {
            log.problem("tap: cannot start the tap on " + ends.listen() + ": " + e.getMessage());
            return;
        }
        tap = t;
        syncMenu();
        t.ended().whenComplete((r, err) -> FxTasks.FX.execute(() -> {
            tap = null;
            syncMenu();
        }));
    }

    private MenuItem armedItem(String text, Runnable action) {
        MenuItem m = new MenuItem(text);
        m.setOnAction(e -> action.run());
        armedItems.add(m);
        return m;
    }

    private void downtimeLimit(String text) {
        try {
            setDowntimeLimit(Long.parseLong(text.strip()));
        } catch (NumberFormatException e) {
            log.problem("downtime-limit '" + text + "' is not a number of milliseconds (e.g. 300)");
        }
    }

    private Optional<String> ask(String title, String prompt, String value) {
        TextInputDialog d = new TextInputDialog(value);
        d.setTitle(title);
        d.setHeaderText(null);
        d.setContentText(prompt);
        if (tabs.getScene() != null) {
            d.initOwner(tabs.getScene().getWindow());
        }
        return d.showAndWait().map(String::strip).filter(s -> !s.isEmpty());
    }

    /** The QEMU menu's commands are enabled only while the selected QEMU is armed and followed. */
    private void syncMenu() {
        boolean armed = selected.qemu().map(c -> c.isArmed() && c.qemu().ended() == null).orElse(false);
        armedItems.forEach(m -> m.setDisable(!armed));
        tapItem.setDisable(tap != null || selected.qemu().map(c -> c.qemu().ended() != null).orElse(true));
    }

    /** The QEMU menu's items enabled now, by their text. */
    public List<String> enabledCommands() {
        return armedItems.stream().filter(m -> !m.isDisable()).map(MenuItem::getText).toList();
    }

    /** True when Tap migration… is enabled: a followed QEMU is selected and no tap runs. */
    public boolean canTap() {
        return !tapItem.isDisable();
    }

    /**
     * A migration is over: the report tab shows the final report, of the selected node's QEMU when
     * one is selected (it stays the one the user asked for), else of every attached QEMU.
     */
    private void migrationOver() {
        showReport(nodeKey != null ? selected.qemu().map(c -> List.of(c.qemu())).orElse(attached()) : attached());
    }

    /** The report of every attached QEMU so far, as a tab. */
    public void showReport() {
        showReport(attached());
    }

    private void showReport(List<AttachedQemu> qemus) {
        reportText.setText(QemuReport.of(qemus).text());
        if (reportTab == null) {
            Button save = new Button("Save as JSON\u2026");
            save.setId("save-qemu-report");
            save.setOnAction(e -> FileDialogs.save(save, "Save the QEMU report", "qemu-report.json")
                    .ifPresent(this::saveReport));
            Label what = new Label("Per QEMU: its migration's status, times and bytes; per device: each state with its "
                    + "start and duration, and the VFIO bytes before and after STOP_COPY (from query-migrate polls).");
            what.setWrapText(true);
            VBox box = new VBox(6, what, save, reportText);
            VBox.setVgrow(reportText, Priority.ALWAYS);
            box.setPadding(new Insets(8));
            reportTab = new Tab("QEMU report", box);
            reportTab.setId("tab-qemu-report");
            reportTab.setOnClosed(e -> reportTab = null);
            tabs.getTabs().add(reportTab);
        }
        tabs.getSelectionModel().select(reportTab);
    }

    /** Writes the report as JSON (atomically, off the FX thread); completes on the FX thread. */
    public CompletableFuture<Path> saveReport(Path file) {
        QemuReport report = QemuReport.of(attached());
        return tasks.supply(() -> {
            try {
                report.write(file);
                return file;
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": could not write the report: " + e.getMessage(), e);
            }
        }).whenComplete((p, err) -> {
            if (err != null) {
                log.problem(VfioException.describe(err));
            } else {
                log.note("saved the QEMU report to " + p);
            }
        });
    }

    /** The attached QEMUs, in the order they were attached. */
    public List<AttachedQemu> attached() {
        return attached.stream().map(QemuControl::qemu).toList();
    }

    /** A device an attached QEMU migrates, by its view id. */
    public Optional<DeviceView> device(String viewId) {
        return attached().stream().flatMap(q -> q.devices().stream()).filter(d -> d.id().equals(viewId))
                .map(DeviceView.class::cast).findFirst();
    }

    /** Stops following every QEMU (and a tap: both its sides closed); they and their VMs are left as they are. */
    public void dispose() {
        if (tap != null) {
            tap.close();
        }
        attached().forEach(AttachedQemu::close);
        tasks.shutdown();
    }

    public void publishTo(Commands commands) {
        commands.publish(new Commands.Command(ATTACH, "Attach to QEMU\u2026", "Shortcut+Shift+A",
                "Follow the migrations of a QEMU, over a QMP socket of its", false, this::chooseAndAttach));
        commands.publish(MENU, menu());
    }
}
