package dev.migscope.ui.conform;

import dev.migscope.conform.CheckResult;
import dev.migscope.conform.ConformanceOptions;
import dev.migscope.conform.ConformanceReport;
import dev.migscope.conform.ConformanceRun;
import dev.migscope.conform.NotApplicable;
import dev.migscope.conform.ReportJson;
import dev.migscope.conform.ReportText;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.VfioException;
import dev.migscope.ui.common.FileDialogs;
import dev.migscope.ui.common.FxTasks;
import dev.migscope.ui.log.EventLogView;
import dev.migscope.view.DeviceView;
import dev.migscope.ui.common.Tooltips;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.SimpleStringProperty;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Spinner;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/**
 * The Conformance tab: runs {@link ConformanceRun} on the window's device and shows the report.
 * A run opens the device itself and needs it exclusively, so the window's session is closed
 * first and opened again afterwards, whatever happened; the run blocks, so it runs on its own
 * thread, never the FX thread.
 */
public final class ConformanceView extends VBox {

    /** What the view needs of the window that holds the device. All calls on the FX thread. */
    public interface Host {
        /** The window's device, or null. */
        DeviceView device();

        /** The devices the window lists (the peer chooser offers those with the same driver). */
        List<DeviceInfo> devices();

        /** Closes the window's session; completes once the device is free to be opened by the run. */
        CompletableFuture<Void> releaseDevice();

        /** Opens {@code id} again as the window's device, armed again when {@code armed}. */
        CompletableFuture<? extends DeviceView> reopenDevice(String id, boolean armed);
    }

    /** One line of the table: a check made, or one that did not apply. */
    public record Row(String group, String id, String title, String status, String rule, String ruleText,
            String evidence) {

        static Row of(CheckResult c) {
            return new Row(c.group(), c.id(), c.title(), c.status().jsonName(), c.rule().id(),
                    c.rule().source() + ": \"" + c.rule().text() + "\"", c.evidence());
        }

        static Row of(NotApplicable n) {
            return new Row("not applicable", n.id(), n.reason(), NOT_APPLICABLE, "", "", n.reason());
        }
    }

    static final String NOT_APPLICABLE = "n/a";
    private static final String NO_PEER = "(no peer: resume into the device itself)";

    private final DeviceRegistry registry;
    private final EventLogView log;
    private final Host host;
    /** The run blocks for as long as the device takes: one daemon thread of its own. */
    private final FxTasks worker = new FxTasks("migscope-conformance");

    private final Label device = new Label();
    private final ComboBox<String> peer = new ComboBox<>();
    private final Spinner<Integer> repeats = new Spinner<>(1, 1000, ConformanceOptions.DEFAULT_REPEATS);
    private final Button run = new Button("Run");
    private final ProgressIndicator progress = new ProgressIndicator(ProgressIndicator.INDETERMINATE_PROGRESS);
    private final TableView<Row> table = new TableView<>();
    private final TextArea details = new TextArea();
    private final Label summary = new Label("Not run yet.");
    private final Button copy = new Button("Copy report");
    private final Button saveJson = new Button("Save JSON\u2026");
    private final ReadOnlyBooleanWrapper running = new ReadOnlyBooleanWrapper();
    private ConformanceReport report;
    private String runningOn;
    /** The window is gone: a run that ends now must not open the device again. */
    private boolean disposed;

    public ConformanceView(DeviceRegistry registry, EventLogView log, Host host) {
        this.registry = registry;
        this.log = log;
        this.host = host;
        setId("conformance");
        getStyleClass().addAll("panel", "conformance");
        setSpacing(6);
        setPadding(new Insets(8));

        Label title = new Label("Driver conformance");
        title.getStyleClass().add("pane-title");
        Label explain = new Label("Checks the device's migration support against every rule of the VFIO uAPI "
                + "(docs/CONFORMANCE.md). The run changes the device's state and restores RUNNING at the end; "
                + "the inspector's session is closed while it runs and opened again afterwards.");
        explain.getStyleClass().add("pane-explain");
        explain.setWrapText(true);
        explain.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);

        device.setId("conform-device");
        peer.setId("conform-peer");
        Tooltips.install(peer, "Resume the saved stream into another device with the same driver");
        peer.setOnShowing(e -> refresh());
        repeats.setId("conform-repeats");
        repeats.setEditable(true);
        repeats.setPrefWidth(90);
        Tooltips.install(repeats, "SETs timed per direct arc (median and p99 are over these)");
        run.setId("conform-run");
        run.setOnAction(e -> run());
        progress.setId("conform-progress");
        progress.setPrefSize(22, 22);
        progress.visibleProperty().bind(running);
        HBox controls = new HBox(8, new Label("Device"), device, new Label("Peer"), peer, new Label("Repeats"),
                repeats, run, progress);
        controls.setAlignment(Pos.CENTER_LEFT);

        table.setId("conform-table");
        table.setPlaceholder(new Label("Press Run to check the selected device."));
        table.getColumns().add(column("Group", Row::group, 90));
        table.getColumns().add(column("Check", Row::id, 230));
        table.getColumns().add(column("Title", Row::title, 330));
        table.getColumns().add(column("Status", Row::status, 60));
        table.getColumns().add(column("uAPI rule", Row::rule, 150));
        table.getColumns().add(column("Evidence", Row::evidence, 400));
        table.setRowFactory(t -> new TableRow<>() {
            @Override
            protected void updateItem(Row item, boolean empty) {
                super.updateItem(item, empty);
                getStyleClass().removeAll("conform-pass", "conform-fail", "conform-warn", "conform-na");
                if (!empty && item != null) {
                    getStyleClass().add(styleClass(item.status()));
                }
            }
        });
        details.setId("conform-details");
        details.setEditable(false);
        details.setWrapText(true);
        details.setPromptText("Select a row for its evidence and the uAPI rule it comes from.");
        table.getSelectionModel().selectedItemProperty().addListener((o, was, r) -> details.setText(r == null ? ""
                : r.title() + "\n\n" + r.status().toUpperCase(java.util.Locale.ROOT) + "  " + r.id()
                        + "\n\nevidence: " + r.evidence() + (r.ruleText().isEmpty() ? "" : "\n\nrule: " + r.ruleText())));
        SplitPane split = new SplitPane(table, details);
        split.setOrientation(Orientation.VERTICAL);
        split.setDividerPositions(0.72);
        VBox.setVgrow(split, Priority.ALWAYS);

        summary.setId("conform-summary");
        summary.setWrapText(true);
        copy.setId("conform-copy");
        Tooltips.install(copy, "Copy the report as `migscope conform` prints it");
        copy.setOnAction(e -> copyReport());
        saveJson.setId("conform-save-json");
        Tooltips.install(saveJson, "Save the report as JSON (schema " + ReportJson.SCHEMA + ")");
        saveJson.setOnAction(e -> FileDialogs.save(this, "Save conformance report as JSON", "migscope-conform.json")
                .ifPresent(this::saveJson));
        javafx.scene.layout.Region gap = new javafx.scene.layout.Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        HBox bottom = new HBox(8, summary, gap, copy, saveJson);
        bottom.setAlignment(Pos.CENTER_LEFT);

        getChildren().addAll(title, explain, controls, split, bottom);
        refresh();
    }

    private static TableColumn<Row, String> column(String name, Function<Row, String> value, double width) {
        TableColumn<Row, String> c = new TableColumn<>(name);
        c.setCellValueFactory(d -> new SimpleStringProperty(value.apply(d.getValue())));
        c.setPrefWidth(width);
        return c;
    }

    static String styleClass(String status) {
        return switch (status) {
            case "pass" -> "conform-pass";
            case "fail" -> "conform-fail";
            case "warn" -> "conform-warn";
            default -> "conform-na";
        };
    }

    /** Shows the window's device and the peers it may use; the window calls it when its session changes. */
    public void refresh() {
        DeviceView s = host.device();
        String id = runningOn != null ? runningOn : s == null ? null : s.id();
        device.setText(id == null ? "none selected" : id);
        String chosen = peer.getValue();
        List<String> peers = new ArrayList<>();
        peers.add(NO_PEER);
        if (s != null) {
            for (DeviceInfo d : host.devices()) {
                if (!d.id().equals(s.id()) && d.driver() != null && d.driver().equals(s.info().driver())) {
                    peers.add(d.id());
                }
            }
        }
        if (!peer.getItems().equals(peers)) {
            peer.getItems().setAll(peers);
        }
        peer.setValue(peers.contains(chosen) ? chosen : NO_PEER);
        boolean ready = !running.get() && s != null;
        run.setDisable(!ready);
        peer.setDisable(running.get());
        repeats.setDisable(running.get());
        copy.setDisable(report == null);
        saveJson.setDisable(report == null);
    }

    /**
     * Runs the conformance checks on the window's device: closes its session, runs on the worker
     * thread, shows the report, and opens the session again. Completes (on the FX thread) with
     * the report, or null when nothing was run.
     */
    public CompletableFuture<ConformanceReport> run() {
        DeviceView s = host.device();
        if (running.get()) {
            return CompletableFuture.completedFuture(null);
        }
        if (s == null) {
            summary.setText("Select a device first.");
            return CompletableFuture.completedFuture(null);
        }
        if (s.control().isEmpty()) {
            summary.setText(s.id() + " is a read-only watch: a conformance run needs the device itself.");
            return CompletableFuture.completedFuture(null);
        }
        if (s.hostName().isPresent()) {
            // The run belongs next to the device (its latencies are the device's); this tab runs here only.
            String there = s.hostName().get();
            summary.setText(s.id() + " is on " + there + ": run `migscope --host " + there + " conform " + s.id()
                    + "` (the checks run there, next to the device).");
            return CompletableFuture.completedFuture(null);
        }
        boolean sim = s.info().kind() == DeviceKind.SIM;
        boolean armed = s.control().get().isArmed();
        if (!armed) {
            summary.setText(s.id() + " is not armed: the run changes its state. Arm it (Ctrl+A) and press Run again.");
            log.problem("conformance: arm " + s.id() + " first (Ctrl+A): the run changes its state");
            return CompletableFuture.completedFuture(null);
        }
        String id = s.id();
        String peerId = NO_PEER.equals(peer.getValue()) ? null : peer.getValue();
        ConformanceOptions options = ConformanceOptions.defaults().withRepeats(repeats.getValue());
        runningOn = id;
        running.set(true);
        report = null;
        table.getItems().clear();
        summary.setText("Running on " + id + (peerId == null ? "" : " with peer " + peerId) + "\u2026");
        log.note("conformance: closing the session of " + id + " and running " + options.repeats()
                + " repeats" + (peerId == null ? "" : ", peer " + peerId));
        refresh();
        return host.releaseDevice()
                .thenCompose(v -> worker.supply(() -> {
                    try {
                        return new ConformanceRun(registry, id, peerId, options).run();
                    } catch (VfioException e) {
                        throw new CompletionException(e);
                    }
                }))
                .handle((r, err) -> {
                    runningOn = null;
                    running.set(false);
                    if (err != null) {
                        summary.setText("Not run: " + VfioException.describe(err));
                        log.problem("conformance on " + id + " not run: " + VfioException.describe(err));
                    } else {
                        show(r);
                        log.note("conformance on " + id + ": " + r.summaryLine());
                    }
                    if (!disposed) {
                        // Simulated devices open armed anyway; a real one is armed again because it was.
                        host.reopenDevice(id, armed && !sim).whenComplete((x, e) -> refresh());
                    }
                    refresh();
                    return r;
                });
    }

    private void show(ConformanceReport r) {
        report = r;
        List<Row> rows = new ArrayList<>();
        r.results().forEach(c -> rows.add(Row.of(c)));
        r.notApplicable().forEach(n -> rows.add(Row.of(n)));
        table.getItems().setAll(rows);
        StringBuilder sb = new StringBuilder(r.summaryLine());
        if (!r.notApplicable().isEmpty()) {
            sb.append(" (").append(r.notApplicable().size()).append(" not applicable)");
        }
        sb.append('.');
        for (ConformanceReport.Restore x : r.restores()) {
            sb.append(' ').append(restoreSentence(x));
        }
        summary.setText(sb.toString());
        summary.getStyleClass().remove("conform-summary-failed");
        if (r.hasFailures()) {
            summary.getStyleClass().add("conform-summary-failed");
        }
    }

    /** The sentence ReportText prints for how the run left a device. */
    static String restoreSentence(ConformanceReport.Restore x) {
        return x.deviceId() + (x.restored() ? ": restored to RUNNING (" + x.how() + ")."
                : ": NOT restored to RUNNING, left in " + (x.state() == null ? "an unknown state" : x.state())
                        + ": " + x.how() + ".");
    }

    /** Puts the text report (as {@code migscope conform} prints it) on the clipboard. */
    public void copyReport() {
        if (report == null) {
            return;
        }
        ClipboardContent c = new ClipboardContent();
        c.putString(ReportText.format(report));
        Clipboard.getSystemClipboard().setContent(c);
        log.note("conformance report copied to the clipboard");
    }

    /** Writes the JSON report to {@code file} (off the FX thread). */
    public CompletableFuture<Path> saveJson(Path file) {
        ConformanceReport r = report;
        if (r == null) {
            return CompletableFuture.completedFuture(null);
        }
        return worker.supply(() -> {
            try {
                Files.writeString(file, ReportJson.toJson(r), StandardCharsets.UTF_8);
                return file;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).whenComplete((p, err) -> {
            if (err != null) {
                log.problem("conformance JSON not written: " + VfioException.describe(err));
            } else {
                log.note("conformance JSON written to " + p);
            }
        });
    }

    // ---------------------------------------------------------------- access

    public ReadOnlyBooleanProperty runningProperty() {
        return running.getReadOnlyProperty();
    }

    /** The last report shown, or null. */
    public ConformanceReport report() {
        return report;
    }

    public TableView<Row> table() {
        return table;
    }

    public Label summary() {
        return summary;
    }

    public Spinner<Integer> repeats() {
        return repeats;
    }

    public ComboBox<String> peer() {
        return peer;
    }

    /** Stops the worker thread (a run in progress finishes first, restoring the device). */
    public void dispose() {
        disposed = true;
        worker.shutdown();
    }
}
