package dev.migscope.ui.mainwindow;

import dev.migscope.device.VfioException;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.qemu.AttachedQemu;
import dev.migscope.qemu.ObservedDevice;
import dev.migscope.qemu.Observation;
import dev.migscope.qemu.QemuReport;
import dev.migscope.qemu.QmpException;
import dev.migscope.ui.common.FileDialogs;
import dev.migscope.ui.common.FxTasks;
import dev.migscope.ui.devices.DeviceListView;
import dev.migscope.ui.log.EventLogView;
import dev.migscope.view.DeviceView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TextArea;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/**
 * The QEMUs the window follows (File -> Attach to QEMU..., {@code migscope window --attach}):
 * attaching off the FX thread, each QEMU a node of the device list with its VFIO devices below it,
 * what it reports in the event log, and its report as a tab once its migration is over. Attaching
 * sends QEMU only queries: the VM is never changed. FX thread.
 */
public final class QemuController {

    /** How long a QEMU may take to greet and to answer each query (as {@code migscope attach}). */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final DeviceListView list;
    private final DeviceRegistry registry;
    private final EventLogView log;
    private final TabPane tabs;
    /** Its own thread: an attach may wait the whole timeout for a greeting, and must not hold up a rescan. */
    private final FxTasks tasks = new FxTasks("migscope-qemu-attach");
    private final List<AttachedQemu> attached = new ArrayList<>();
    private final TextArea reportText = new TextArea();
    private Tab reportTab;

    public QemuController(DeviceListView list, DeviceRegistry registry, EventLogView log, TabPane tabs) {
        this.list = list;
        this.registry = registry;
        this.log = log;
        this.tabs = tabs;
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

    /** The sockets a dialog's text names: one per line, blank lines skipped. */
    static List<Path> sockets(String text) {
        return Arrays.stream(text.split("\\R")).map(String::strip).filter(s -> !s.isEmpty()).map(Path::of).toList();
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
        log.note("attaching to " + socket + " (read-only: migscope sends QEMU only queries)");
        return tasks.supply(() -> {
            try {
                return AttachedQemu.attach(socket, TIMEOUT, registry, o -> FxTasks.FX.execute(() -> seen(o)));
            } catch (QmpException e) {
                throw new CompletionException(e);
            }
        }).handle((q, err) -> {
            if (err != null) {
                log.problem(VfioException.describe(err));
                return null;
            }
            attached.add(q);
            list.setAttached(nodes());
            q.outcome().whenComplete((o, e) -> FxTasks.FX.execute(this::showReport));
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
            list.setAttached(nodes());
        } else {
            list.refreshRows();
        }
    }

    private List<DeviceListView.Attached> nodes() {
        List<DeviceListView.Attached> out = new ArrayList<>();
        for (AttachedQemu q : attached) {
            List<ObservedDevice> devices = q.devices();
            String pid = devices.stream().map(d -> d.info().ownerIfBusy()).flatMap(Optional::stream)
                    .findFirst().map(o -> ", pid " + o.pid()).orElse("");
            String detail = "QEMU " + q.version() + ", " + q.role().name().toLowerCase(Locale.ROOT) + pid + "\n"
                    + q.socket() + (q.ended() != null ? "\n" + q.ended() : "");
            out.add(new DeviceListView.Attached("QEMU " + q.name(), detail, List.<DeviceView>copyOf(devices)));
        }
        return out;
    }

    /** The report of every attached QEMU so far, as a tab (shown when a migration is over). */
    public void showReport() {
        reportText.setText(QemuReport.of(List.copyOf(attached)).text());
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
        QemuReport report = QemuReport.of(List.copyOf(attached));
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
        return List.copyOf(attached);
    }

    /** A device an attached QEMU migrates, by its view id. */
    public Optional<DeviceView> device(String viewId) {
        return attached.stream().flatMap(q -> q.devices().stream()).filter(d -> d.id().equals(viewId))
                .map(DeviceView.class::cast).findFirst();
    }

    /** Stops following every QEMU; they and their VMs are left as they are. */
    public void dispose() {
        attached.forEach(AttachedQemu::close);
        tasks.shutdown();
    }
}
