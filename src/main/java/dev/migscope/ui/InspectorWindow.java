package dev.migscope.ui;

import dev.migscope.view.Progress;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.view.TransitionResult;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigState;
import dev.migscope.view.Cancellation;
import dev.migscope.session.MigrationSession;
import dev.migscope.view.DeviceEvent;
import dev.migscope.session.SessionOptions;
import dev.migscope.view.StreamResult;
import dev.migscope.session.demo.DemoScenario;
import dev.migscope.telemetry.Bytes;
import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.Sample;
import dev.migscope.telemetry.TelemetrySnapshot;
import dev.migscope.ui.charts.ChartsPane;
import dev.migscope.ui.conform.ConformanceView;
import dev.migscope.ui.devices.DeviceListView;
import dev.migscope.ui.graph.FsmGraphView;
import dev.migscope.ui.log.EventLogView;
import dev.migscope.ui.teaching.TeachingView;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javafx.animation.AnimationTimer;
import javafx.application.Platform;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.CheckMenuItem;
import javafx.scene.control.Label;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToolBar;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCombination;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.stage.Window;

/**
 * The inspector window: device list, live FSM graph, charts, event log, toolbar and status bar.
 * It never calls a device: every change goes through the open {@link MigrationSession}'s futures
 * (its single device thread), and results come back to the FX thread with {@code runLater}, so
 * a SET that blocks never freezes the window. State and charts are pulled once per frame.
 */
public final class InspectorWindow {

    /** The size the window is designed for and screenshots are rendered at. */
    public static final double WIDTH = 1280;
    public static final double HEIGHT = 800;
    /** DMA logging range the window asks for: the first 256 MiB of IOVA, 4 KiB pages. */
    private static final long DMA_PAGE = 4096;
    private static final List<IovaRange> DMA_RANGES = List.of(new IovaRange(0, 256L << 20));

    private final DeviceRegistry registry;
    private final SessionOptions baseOptions;
    /** Work that may block but is no device call of the session (scans, closes, files). */
    private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "migscope-ui-background");
        t.setDaemon(true);
        return t;
    });

    private final DeviceListView devices = new DeviceListView();
    /** Devices no listing shows that were opened by id (the broken simulated drivers): listed in this window. */
    private final List<DeviceInfo> openedById = new ArrayList<>();
    private final FsmGraphView graph = new FsmGraphView();
    private final ChartsPane charts = new ChartsPane();
    private final EventLogView log = new EventLogView();
    /** Built when its tab is first shown (or asked for): the first frame shows only the Inspector. */
    private TeachingView teaching;
    private ConformanceView conformance;
    private final BorderPane root = new BorderPane();
    private final Scene scene;
    private Theme theme;

    private final Label statusDevice = status("status-device");
    private final Label statusState = status("status-state");
    private final Label statusFeatures = status("status-features");
    private final Label statusArmed = status("status-armed");
    private final Label statusAccess = status("status-access");
    private final Label statusBusy = status("status-busy");
    private final ProgressBar progress = new ProgressBar(0);
    private final Label progressText = status("progress-text");
    private final Button cancel = new Button("Cancel");
    private final HBox progressBox;

    private final ToggleButton armButton = new ToggleButton("Arm");
    private final ToggleButton dmaButton = new ToggleButton("DMA logging");
    private final ToggleButton recordButton = new ToggleButton("Record CSV");
    private final CheckMenuItem armItem = new CheckMenuItem("Armed");
    private final CheckMenuItem dmaItem = new CheckMenuItem("DMA logging");
    private final CheckMenuItem recordItem = new CheckMenuItem("Record session to CSV\u2026");
    private final CheckMenuItem darkItem = new CheckMenuItem("Dark theme");
    private final List<Node> needsSession;
    private final List<MenuItem> menuNeedsSession;

    private MigrationSession session;
    /** The device the user asked for last: an open that completes for another one is closed again. */
    private String wanted;
    private CompletableFuture<MigrationSession> opening;
    private MigState shownState;
    private final AtomicInteger pending = new AtomicInteger();
    private Cancellation streamCancel;
    private Path recordFile;
    private long recordSince;
    private boolean syncing;
    private final AnimationTimer frame;

    public InspectorWindow(DeviceRegistry registry, Theme theme) {
        this(registry, theme, SessionOptions.defaults());
    }

    /** {@code options} is the template for each session the window opens (armed is decided per device). */
    public InspectorWindow(DeviceRegistry registry, Theme theme, SessionOptions options) {
        this.registry = registry;
        this.baseOptions = options;
        this.theme = theme;

        graph.setOnTarget(this::requestTransition);
        devices.setOnSelect(d -> openDevice(d.id()));

        SplitPane work = new SplitPane(graphPane(), titled("Telemetry", charts));
        work.setDividerPositions(0.58);
        SplitPane centre = new SplitPane(work, titled("Event log", log));
        centre.setOrientation(Orientation.VERTICAL);
        centre.setDividerPositions(0.74);
        Tab inspect = new Tab("Inspector", centre);
        inspect.setClosable(false);
        Tab teach = new Tab("Teaching view: v1 bit mask and v2 FSM");
        teach.setClosable(false);
        fillOnFirstSelection(teach, this::teaching);
        Tab conform = new Tab("Conformance");
        conform.setClosable(false);
        fillOnFirstSelection(conform, this::conformance);
        conform.setId("tab-conformance");
        TabPane tabs = new TabPane(inspect, teach, conform);
        tabs.setId("tabs");

        SplitPane main = new SplitPane(devices, tabs);
        main.setDividerPositions(0.2);
        SplitPane.setResizableWithParent(devices, false);
        devices.setMinWidth(200);
        devices.setPrefWidth(260);

        progress.setId("stream-progress");
        progress.setPrefWidth(160);
        cancel.setId("stream-cancel");
        cancel.setOnAction(e -> cancelStream());
        cancel.setTooltip(new Tooltip("Cancel the save or resume (Esc)"));
        cancel.setCancelButton(true);
        progressBox = new HBox(6, progressText, progress, cancel);
        progressBox.setAlignment(Pos.CENTER_LEFT);
        progressBox.setVisible(false);
        progressBox.setManaged(false);

        MenuBar menus = menus();
        ToolBar tools = toolbar();
        root.setTop(new VBox(menus, tools));
        root.setCenter(main);
        root.setBottom(statusBar());
        root.getStyleClass().add("inspector");
        root.setId("inspector");

        needsSession = List.of(armButton, dmaButton, recordButton);
        menuNeedsSession = List.of(armItem, dmaItem, recordItem);
        scene = new Scene(root, WIDTH, HEIGHT);
        applyTheme(theme);
        updateStatus();
        // The charts draw from the pulse after the first frame's layout: their first draw
        // (JFreeChart's and AWT's text set-up) held the first frame back by about half a second
        // (docs/BENCHMARKS.md).
        scene.addPostLayoutPulseListener(new Runnable() {
            @Override
            public void run() {
                scene.removePostLayoutPulseListener(this);
                charts.startDrawing();
            }
        });

        frame = new AnimationTimer() {
            @Override
            public void handle(long now) {
                onFrame();
            }
        };
        frame.start();
        rescan();
    }

    // ---------------------------------------------------------------- layout

    private Node graphPane() {
        Label title = new Label("Migration FSM");
        title.getStyleClass().add("pane-title");
        Label legend = new Label("solid: arcs this device implements \u00b7 dashed grey: needs a feature it lacks "
                + "\u00b7 red dashed: the kernel refuses \u00b7 orange: the path for the state you point at \u00b7 "
                + "click or press its number to go there");
        legend.getStyleClass().add("pane-explain");
        legend.setWrapText(true);
        legend.setMinHeight(Region.USE_PREF_SIZE);
        VBox box = new VBox(4, title, graph, legend);
        VBox.setVgrow(graph, Priority.ALWAYS);
        box.setPadding(new Insets(8));
        box.getStyleClass().add("panel");
        return box;
    }

    private static Node titled(String text, Node content) {
        Label title = new Label(text);
        title.getStyleClass().add("pane-title");
        VBox box = new VBox(4, title, content);
        VBox.setVgrow(content, Priority.ALWAYS);
        box.setPadding(new Insets(8));
        box.getStyleClass().add("panel");
        return box;
    }

    private static Label status(String id) {
        Label l = new Label();
        l.setId(id);
        l.getStyleClass().add("status-item");
        return l;
    }

    private Node statusBar() {
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        HBox bar = new HBox(14, statusDevice, statusState, statusFeatures, statusArmed, statusAccess, statusBusy, gap,
                progressBox);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.getStyleClass().add("status-bar");
        bar.setId("status-bar");
        return bar;
    }

    private ToolBar toolbar() {
        armButton.setId("action-arm");
        armButton.setTooltip(new Tooltip("Arm the device (Ctrl+A): nothing changes a device unless it is armed"));
        armButton.setOnAction(e -> setArmed(armButton.isSelected()));
        Button reset = button("action-reset", "Reset", "VFIO_DEVICE_RESET (Ctrl+R): the only way out of ERROR",
                this::reset);
        Button save = button("action-save", "Save\u2026", "Save the device state to a stream file (Ctrl+S)",
                () -> chooseFile(true, "Save migration stream", "migscope-stream.bin").ifPresent(this::saveTo));
        Button resume = button("action-resume", "Resume\u2026", "Resume a stream file into the device (Ctrl+O)",
                () -> chooseFile(false, "Resume migration stream", null).ifPresent(this::resumeFrom));
        dmaButton.setId("action-dma");
        dmaButton.setTooltip(new Tooltip("Start or stop DMA_LOGGING (Ctrl+D): device-side dirty page tracking"));
        dmaButton.setOnAction(e -> setDmaLogging(dmaButton.isSelected()));
        recordButton.setId("action-record");
        recordButton.setTooltip(new Tooltip("Record the session's telemetry to a CSV file (Ctrl+E)"));
        recordButton.setOnAction(e -> toggleRecording());
        Button fault = button("action-fault", "Inject fault\u2026",
                "Make a simulated device fail an arc (Ctrl+F)", this::showFaultDialog);
        Button demo = button("action-demo", "Demo", "Run the training scenario on a simulated device (F9)",
                this::runDemo);
        Button graphPng = button("action-export-graph", "Graph PNG", "Export the FSM graph as PNG (Ctrl+G)",
                () -> chooseFile(true, "Export graph", "migscope-graph.png").ifPresent(this::exportGraph));
        Button chartPng = button("action-export-charts", "Charts PNG", "Export the charts as PNG (Ctrl+Shift+G)",
                () -> chooseFile(true, "Export charts", "migscope-charts.png").ifPresent(this::exportCharts));
        ToolBar bar = new ToolBar(armButton, reset, new javafx.scene.control.Separator(), save, resume, dmaButton,
                recordButton, new javafx.scene.control.Separator(), fault, demo,
                new javafx.scene.control.Separator(), graphPng, chartPng);
        bar.setId("toolbar");
        return bar;
    }

    private static Button button(String id, String text, String tip, Runnable action) {
        Button b = new Button(text);
        b.setId(id);
        b.setTooltip(new Tooltip(tip));
        b.setOnAction(e -> action.run());
        return b;
    }

    private MenuBar menus() {
        MenuItem save = item("Save stream to file\u2026", "Shortcut+S",
                () -> chooseFile(true, "Save migration stream", "migscope-stream.bin").ifPresent(this::saveTo));
        MenuItem resume = item("Resume from file\u2026", "Shortcut+O",
                () -> chooseFile(false, "Resume migration stream", null).ifPresent(this::resumeFrom));
        recordItem.setAccelerator(KeyCombination.keyCombination("Shortcut+E"));
        recordItem.setOnAction(e -> toggleRecording());
        MenuItem graphPng = item("Export graph as PNG\u2026", "Shortcut+G",
                () -> chooseFile(true, "Export graph", "migscope-graph.png").ifPresent(this::exportGraph));
        MenuItem chartPng = item("Export charts as PNG\u2026", "Shortcut+Shift+G",
                () -> chooseFile(true, "Export charts", "migscope-charts.png").ifPresent(this::exportCharts));
        MenuItem quit = item("Quit", "Shortcut+Q", () -> {
            Window w = scene.getWindow();
            if (w != null) {
                w.hide();
            }
        });
        Menu file = new Menu("File", null, save, resume, recordItem, new SeparatorMenuItem(), graphPng, chartPng,
                new SeparatorMenuItem(), quit);

        armItem.setAccelerator(KeyCombination.keyCombination("Shortcut+A"));
        armItem.setOnAction(e -> setArmed(armItem.isSelected()));
        dmaItem.setAccelerator(KeyCombination.keyCombination("Shortcut+D"));
        dmaItem.setOnAction(e -> setDmaLogging(dmaItem.isSelected()));
        Menu go = new Menu("Go to state");
        for (MigState s : MigState.values()) {
            MenuItem m = item(s.name() + "  (" + s.abi() + ")", "Shortcut+DIGIT" + s.abi(),
                    () -> requestTransition(s));
            go.getItems().add(m);
        }
        Menu device = new Menu("Device", null, armItem, item("Reset", "Shortcut+R", this::reset), go,
                new SeparatorMenuItem(), dmaItem,
                item("Inject fault\u2026", "Shortcut+F", this::showFaultDialog),
                item("Clear injected faults", null, this::clearFaults),
                new SeparatorMenuItem(), item("Rescan devices", "F5", this::rescan));

        darkItem.setAccelerator(KeyCombination.keyCombination("Shortcut+T"));
        darkItem.setOnAction(e -> applyTheme(darkItem.isSelected() ? Theme.DARK : Theme.LIGHT));
        Menu view = new Menu("View", null, darkItem,
                item("Time window 30 s", null, () -> charts.setWindow(ChartsPane.Window.S30)),
                item("Time window 5 min", null, () -> charts.setWindow(ChartsPane.Window.M5)),
                item("Time window 1 h", null, () -> charts.setWindow(ChartsPane.Window.H1)));
        Menu help = new Menu("Help", null, item("Run the demo scenario", "F9", this::runDemo));
        MenuBar bar = new MenuBar(file, device, view, help);
        bar.setId("menu-bar");
        return bar;
    }

    private static MenuItem item(String text, String accelerator, Runnable action) {
        MenuItem m = new MenuItem(text);
        if (accelerator != null) {
            m.setAccelerator(KeyCombination.keyCombination(accelerator));
        }
        m.setOnAction(e -> action.run());
        return m;
    }

    // ---------------------------------------------------------------- devices and sessions

    /** Lists devices again (sysfs scans may block: not on the FX thread). */
    public CompletableFuture<List<DeviceInfo>> rescan() {
        return CompletableFuture.supplyAsync(registry::list, background).whenComplete((list, err) ->
                Platform.runLater(() -> {
                    if (err != null) {
                        log.problem("listing devices failed: " + describe(err));
                    } else {
                        devices.setDevices(withOpenedById(list));
                        if (list.isEmpty()) {
                            log.note("no devices found");
                        }
                    }
                }));
    }

    /**
     * Selects {@code id} in the device list and opens it, as a click would; {@code migscope window
     * --device ID}. A device no listing shows (the broken simulated drivers open by id only) joins
     * this window's list once it is open, selected.
     */
    public CompletableFuture<MigrationSession> show(String id) {
        devices.select(id);
        return openDevice(id);
    }

    private List<DeviceInfo> withOpenedById(List<DeviceInfo> listed) {
        List<DeviceInfo> all = new ArrayList<>(listed);
        for (DeviceInfo d : openedById) {
            if (listed.stream().noneMatch(l -> l.id().equals(d.id()))) {
                all.add(d);
            }
        }
        return all;
    }

    /**
     * Opens a device (closing the previous one) and makes it the window's device. Simulated
     * devices start armed; real ones never do.
     */
    public CompletableFuture<MigrationSession> openDevice(String id) {
        if (session != null && session.id().equals(id)) {
            return CompletableFuture.completedFuture(session);
        }
        if (id.equals(wanted) && opening != null) {
            return opening;
        }
        wanted = id;
        MigrationSession old = session;
        detach();
        if (old != null) {
            background.execute(old::close);
        }
        Optional<DeviceInfo> listed = devices.devices().stream().filter(d -> d.id().equals(id)).findFirst();
        boolean sim = listed.map(d -> d.kind() == DeviceKind.SIM).orElse(id.startsWith("sim:"));
        log.note("opening " + id + (sim ? " (simulated: armed)" : " (not armed: Ctrl+A arms it)"));
        statusBusy.setText("opening " + id + "\u2026");
        SessionOptions options = baseOptions.withArmed(sim);
        CompletableFuture<MigrationSession> opened = CompletableFuture.supplyAsync(() -> {
            try {
                return MigrationSession.open(registry, id, options);
            } catch (VfioException e) {
                throw new CompletionException(e);
            }
        }, background);
        CompletableFuture<MigrationSession> shown = new CompletableFuture<>();
        opening = shown;
        opened.whenComplete((s, err) -> Platform.runLater(() -> {
            if (opening == shown) {
                opening = null;
            }
            if (!id.equals(wanted)) {
                if (s != null) {
                    background.execute(s::close);
                }
                shown.completeExceptionally(new IllegalStateException("another device was selected"));
                return;
            }
            statusBusy.setText("");
            if (err != null) {
                log.problem(describe(err));
                updateStatus();
                shown.completeExceptionally(err);
                return;
            }
            attach(s);
            shown.complete(s);
        }));
        return shown;
    }

    /**
     * Closes the window's session so that another user of the device (a conformance run, which
     * opens it exclusively) can open it; the device list is locked until {@link #reopenDevice}.
     * Completes once the device is closed.
     */
    public CompletableFuture<Void> releaseDevice() {
        MigrationSession old = session;
        wanted = null;
        detach();
        devices.setDisable(true);
        if (old == null) {
            return CompletableFuture.completedFuture(null);
        }
        log.note("closed " + old.id() + " for the conformance run");
        return CompletableFuture.runAsync(old::close, background);
    }

    /** Unlocks the device list and opens {@code id} again as the window's device, armed again when {@code armed}. */
    public CompletableFuture<MigrationSession> reopenDevice(String id, boolean armed) {
        devices.setDisable(false);
        return openDevice(id).thenApply(s -> {
            if (armed && !s.isArmed()) {
                setArmed(true);
            }
            return s;
        });
    }

    private void attach(MigrationSession s) {
        session = s;
        if (devices.devices().stream().noneMatch(d -> d.id().equals(s.id()))) {
            openedById.add(s.info());
            devices.setDevices(withOpenedById(devices.devices()));
            devices.select(s.id());
        }
        s.addListener(e -> Platform.runLater(() -> onEvent(s, e)));
        graph.featuresProperty().set(s.features());
        shownState = null;
        charts.setSession(s);
        syncToggles();
        log.note("opened " + s.id() + ": " + s.info().displayName() + ", features " + s.features()
                + ", state " + s.state() + (s.isDmaLoggingSupported() ? ", DMA logging supported" : ""));
        onFrame();
        updateStatus();
        if (conformance != null) {
            conformance.refresh();
        }
    }

    private void detach() {
        session = null;
        graph.featuresProperty().set(null);
        graph.currentProperty().set(null);
        charts.setSession(null);
        stopRecordingQuietly();
        updateStatus();
        if (conformance != null) {
            conformance.refresh();
        }
    }

    private void onEvent(MigrationSession source, DeviceEvent e) {
        if (source != session) {
            return;
        }
        log.add(e);
        if (e.kind() == DeviceEvent.Kind.STEP && e.error() == null && e.from() != null && e.to() != null) {
            graph.flash(new Arc(e.from(), e.to()));
        }
        if (e.kind() == DeviceEvent.Kind.DMA_LOGGING || e.kind() == DeviceEvent.Kind.DEVICE_GONE) {
            syncToggles();
        }
    }

    /** Once per frame: the live state (the sampler reads it) and the charts. */
    private void onFrame() {
        MigrationSession s = session;
        if (s == null) {
            return;
        }
        MigState st = s.state();
        if (st != shownState) {
            shownState = st;
            graph.currentProperty().set(st);
            devices.update(s.info().withState(st));
            updateStatus();
        }
        charts.update();
    }

    // ---------------------------------------------------------------- actions

    /** Asks the session for {@code target}; the result lands in the log. Refusals come back from the session too. */
    public CompletableFuture<TransitionResult> requestTransition(MigState target) {
        MigrationSession s = session;
        if (s == null) {
            log.problem("select a device first");
            return CompletableFuture.completedFuture(null);
        }
        return track(s.transition(target));
    }

    public CompletableFuture<TransitionResult> reset() {
        MigrationSession s = session;
        if (s == null) {
            log.problem("select a device first");
            return CompletableFuture.completedFuture(null);
        }
        return track(s.reset());
    }

    private <T> CompletableFuture<T> track(CompletableFuture<T> f) {
        pending.incrementAndGet();
        updateStatus();
        return f.whenComplete((r, err) -> Platform.runLater(() -> {
            pending.decrementAndGet();
            if (err != null) {
                log.problem(describe(err));
            }
            updateStatus();
        }));
    }

    public void setArmed(boolean armed) {
        MigrationSession s = session;
        if (s != null) {
            s.setArmed(armed);
            log.note(s.id() + (s.isArmed() ? " armed: state changes reach the device"
                    : armed ? " cannot be armed (a read-only watch)" : " disarmed"));
        }
        syncToggles();
        updateStatus();
    }

    /** Saves the device state to {@code file}, with progress and cancel; the device stays in STOP. */
    public CompletableFuture<StreamResult> saveTo(Path file) {
        return stream(file, true);
    }

    /** Resumes {@code file} into the device, then RUNNING. */
    public CompletableFuture<StreamResult> resumeFrom(Path file) {
        return stream(file, false);
    }

    private CompletableFuture<StreamResult> stream(Path file, boolean save) {
        MigrationSession s = session;
        if (s == null) {
            log.problem("select a device first");
            return CompletableFuture.completedFuture(null);
        }
        if (streamCancel != null) {
            log.problem("a save or resume is already running: cancel it first");
            return CompletableFuture.completedFuture(null);
        }
        Cancellation c = new Cancellation();
        streamCancel = c;
        String verb = save ? "saving" : "resuming";
        showProgress(verb, 0, 0);
        log.note(verb + " " + file);
        // Progress comes from the device thread: keep the newest and post at most one update at a time.
        AtomicReference<long[]> latest = new AtomicReference<>();
        AtomicReference<String> phase = new AtomicReference<>("");
        AtomicBoolean posted = new AtomicBoolean();
        Progress p = (ph, bytes, estimate) -> {
            latest.set(new long[] {bytes, estimate});
            phase.set(ph);
            if (posted.compareAndSet(false, true)) {
                Platform.runLater(() -> {
                    posted.set(false);
                    long[] v = latest.get();
                    showProgress(verb + " " + phase.get(), v[0], v[1]);
                });
            }
        };
        CompletableFuture<StreamResult> f = save ? s.save(file, null, p, c) : s.resume(file, MigState.RUNNING, p, c);
        return track(f).whenComplete((r, err) -> Platform.runLater(() -> {
            streamCancel = null;
            hideProgress();
            if (r != null) {
                String bytes = r.bytesByPhase().stream().map(b -> b.phase() + " " + Bytes.format(b.bytes()))
                        .reduce((a, b) -> a + ", " + b).orElse("no data");
                if (r.ok()) {
                    log.note((save ? "saved " : "resumed ") + file + ": " + bytes + " in "
                            + r.duration().toMillis() + " ms; device is " + r.finalState());
                } else {
                    log.problem((save ? "save" : "resume") + (r.cancelled() ? " cancelled" : " failed") + ": "
                            + (r.error() == null ? "" : r.error().describe()) + "; device is " + r.finalState());
                }
            }
        }));
    }

    /** Cancels the running save or resume, if any. */
    public void cancelStream() {
        if (streamCancel != null) {
            streamCancel.cancel();
            progressText.setText("cancelling\u2026");
        }
    }

    private void showProgress(String what, long bytes, long estimate) {
        progressBox.setVisible(true);
        progressBox.setManaged(true);
        progressText.setText(what + " " + Bytes.format(bytes) + (estimate > 0 ? " of ~" + Bytes.format(estimate) : ""));
        progress.setProgress(estimate > 0 ? Math.min(1, (double) bytes / estimate) : ProgressBar.INDETERMINATE_PROGRESS);
    }

    private void hideProgress() {
        progressBox.setVisible(false);
        progressBox.setManaged(false);
    }

    public CompletableFuture<Optional<VfioError>> setDmaLogging(boolean on) {
        MigrationSession s = session;
        if (s == null) {
            syncToggles();
            return CompletableFuture.completedFuture(Optional.empty());
        }
        if (on && !s.isDmaLoggingSupported()) {
            log.problem(s.id() + " does not support DMA_LOGGING (PROBE failed)");
            syncToggles();
            return CompletableFuture.completedFuture(Optional.empty());
        }
        CompletableFuture<Optional<VfioError>> f = on ? s.startDmaLogging(DMA_PAGE, DMA_RANGES) : s.stopDmaLogging();
        return track(f).whenComplete((r, e) -> Platform.runLater(this::syncToggles));
    }

    /** Starts recording telemetry to a CSV file chosen by the user, or writes it out when recording. */
    private void toggleRecording() {
        if (recordFile != null) {
            stopRecording();
        } else {
            Optional<Path> f = chooseFile(true, "Record session to CSV", "migscope-session.csv");
            if (f.isPresent()) {
                startRecording(f.get());
            } else {
                syncToggles();
            }
        }
    }

    /** From now on, telemetry is recorded; {@link #stopRecording} writes it to {@code file}. */
    public void startRecording(Path file) {
        MigrationSession s = session;
        if (s == null) {
            log.problem("select a device first");
            syncToggles();
            return;
        }
        Sample latest = s.telemetry().latest();
        recordSince = latest == null ? 0 : latest.timeNanos();
        recordFile = file;
        log.note("recording telemetry to " + file + " (stop with Ctrl+E)");
        syncToggles();
    }

    /** Writes what was recorded (off the FX thread) and stops recording. */
    public CompletableFuture<Path> stopRecording() {
        MigrationSession s = session;
        Path file = recordFile;
        recordFile = null;
        syncToggles();
        if (s == null || file == null) {
            return CompletableFuture.completedFuture(null);
        }
        long since = recordSince;
        return CompletableFuture.supplyAsync(() -> {
            writeCsv(s.telemetry().snapshot(since, Metric.values()), file);
            return file;
        }, background).whenComplete((p, err) -> Platform.runLater(() -> {
            if (err != null) {
                log.problem("CSV not written: " + describe(err));
            } else {
                log.note("recorded session written to " + p);
            }
        }));
    }

    private void stopRecordingQuietly() {
        recordFile = null;
        syncToggles();
    }

    static void writeCsv(TelemetrySnapshot snap, Path file) {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            StringBuilder head = new StringBuilder("time_s");
            for (Metric m : Metric.values()) {
                head.append(',').append(m.name().toLowerCase(Locale.ROOT));
            }
            w.write(head.append('\n').toString());
            long[] t = snap.times();
            for (int i = 0; i < t.length; i++) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%.3f", t[i] / 1e9));
                for (Metric m : Metric.values()) {
                    double v = snap.values(m)[i];
                    row.append(',');
                    if (m == Metric.STATE && !Double.isNaN(v)) {
                        row.append(MigState.fromAbi((int) v).map(Enum::name).orElse(""));
                    } else if (!Double.isNaN(v)) {
                        row.append(v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3f", v));
                    }
                }
                w.write(row.append('\n').toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void exportGraph(Path file) {
        export(graph, file, "graph");
    }

    public void exportCharts(Path file) {
        export(charts, file, "charts");
    }

    private void export(Node node, Path file, String what) {
        try {
            Png.write(node, file);
            log.note(what + " exported to " + file);
        } catch (IOException e) {
            log.problem(what + " not exported: " + e.getMessage());
        }
    }

    /** Injects a fault into the simulated device (through its session's device thread). */
    public CompletableFuture<Void> injectFault(Arc arc, Errno errno, boolean leaveInError) {
        MigrationSession s = session;
        if (s == null || s.simulation().isEmpty()) {
            log.problem("faults can be injected into simulated devices only");
            return CompletableFuture.completedFuture(null);
        }
        return track(s.simulate(c -> c.injectFault(arc, errno, leaveInError))).thenRun(() -> Platform.runLater(() ->
                log.note("fault armed: the next SET over " + arc + " fails with " + errno
                        + (leaveInError ? " and leaves the device in ERROR" : ""))));
    }

    private void clearFaults() {
        MigrationSession s = session;
        if (s != null && s.simulation().isPresent()) {
            track(s.simulate(c -> c.clearFaults())).thenRun(() -> Platform.runLater(() ->
                    log.note("injected faults cleared")));
        }
    }

    private void showFaultDialog() {
        MigrationSession s = session;
        if (s == null || s.simulation().isEmpty()) {
            log.problem("faults can be injected into simulated devices only: select one (sim:...)");
            return;
        }
        FaultDialog.ask(s.features(), s.state(), scene.getWindow())
                .ifPresent(f -> injectFault(f.arc(), f.errno(), f.leaveInError()));
    }

    /** Runs the training scenario on the selected simulated device (the same class {@code migscope demo} runs). */
    public CompletableFuture<DemoScenario.Report> runDemo() {
        MigrationSession s = session;
        if (s == null || s.simulation().isEmpty()) {
            log.problem("the demo runs on a simulated device: select one (sim:...)");
            return CompletableFuture.completedFuture(null);
        }
        s.setArmed(true);
        syncToggles();
        log.note("demo: " + DemoScenario.SUMMARY);
        Path dir;
        try {
            dir = Files.createTempDirectory("migscope-demo");
        } catch (IOException e) {
            log.problem("demo: cannot create a temporary directory: " + e.getMessage());
            return CompletableFuture.completedFuture(null);
        }
        DemoScenario demo = new DemoScenario(s, dir, line -> Platform.runLater(() -> log.note("demo: " + line)));
        return track(CompletableFuture.supplyAsync(demo::run, background));
    }

    public void applyTheme(Theme t) {
        theme = t;
        t.apply(scene);
        charts.applyTheme(t);
        darkItem.setSelected(t == Theme.DARK);
    }

    private Optional<Path> chooseFile(boolean save, String title, String initialName) {
        FileChooser fc = new FileChooser();
        fc.setTitle(title);
        if (initialName != null) {
            fc.setInitialFileName(initialName);
        }
        File f = save ? fc.showSaveDialog(scene.getWindow()) : fc.showOpenDialog(scene.getWindow());
        return Optional.ofNullable(f).map(File::toPath);
    }

    // ---------------------------------------------------------------- status

    private void syncToggles() {
        if (syncing) {
            return;
        }
        syncing = true;
        try {
            MigrationSession s = session;
            boolean armed = s != null && s.isArmed();
            armButton.setSelected(armed);
            armItem.setSelected(armed);
            armButton.setText(armed ? "Armed" : "Arm");
            boolean dma = s != null && s.isDmaLogging();
            dmaButton.setSelected(dma);
            dmaItem.setSelected(dma);
            boolean rec = recordFile != null;
            recordButton.setSelected(rec);
            recordItem.setSelected(rec);
            for (Node n : needsSession) {
                n.setDisable(s == null);
            }
            for (MenuItem m : menuNeedsSession) {
                m.setDisable(s == null);
            }
            dmaButton.setDisable(s == null || !s.isDmaLoggingSupported());
        } finally {
            syncing = false;
        }
    }

    private void updateStatus() {
        MigrationSession s = session;
        statusDevice.setText(s == null ? "No device" : s.id());
        MigState st = s == null ? null : s.state();
        statusState.setText(st == null ? "state \u2014" : "state " + st);
        statusState.getStyleClass().remove("status-error");
        if (st == MigState.ERROR) {
            statusState.getStyleClass().add("status-error");
        }
        statusFeatures.setText(s == null ? "" : "features " + s.features());
        statusArmed.setText(s == null ? "" : s.isPassive() ? "read-only watch" : s.isArmed() ? "ARMED" : "not armed");
        statusArmed.getStyleClass().remove("status-armed");
        if (s != null && s.isArmed()) {
            statusArmed.getStyleClass().add("status-armed");
        }
        statusAccess.setText(s == null ? "" : s.info().access() != null ? s.info().access()
                : s.isPassive() ? "watching via debugfs" : "read-write");
        int n = pending.get();
        if (s != null) {
            statusBusy.setText(n > 0 ? "device busy (" + n + " call" + (n == 1 ? "" : "s") + " queued)" : "");
        }
        syncToggles();
    }

    private static String describe(Throwable err) {
        Throwable c = err;
        while ((c instanceof CompletionException || c instanceof java.util.concurrent.ExecutionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof VfioException v) {
            return v.error().describe();
        }
        return String.valueOf(c.getMessage() != null ? c.getMessage() : c);
    }

    // ---------------------------------------------------------------- access

    public Scene scene() {
        return scene;
    }

    public Parent root() {
        return root;
    }

    public Theme theme() {
        return theme;
    }

    /** The open session, or null. FX thread. */
    public MigrationSession session() {
        return session;
    }

    public FsmGraphView graph() {
        return graph;
    }

    public ChartsPane charts() {
        return charts;
    }

    public EventLogView log() {
        return log;
    }

    public DeviceListView devices() {
        return devices;
    }

    /** Sets a tab's content the first time the tab is selected. */
    private static void fillOnFirstSelection(Tab tab, Supplier<Node> content) {
        tab.selectedProperty().addListener((o, was, selected) -> {
            if (selected && tab.getContent() == null) {
                tab.setContent(content.get());
            }
        });
    }

    public TeachingView teaching() {
        if (teaching == null) {
            teaching = new TeachingView();
        }
        return teaching;
    }

    public ConformanceView conformance() {
        if (conformance == null) {
            conformance = new ConformanceView(registry, log, new ConformanceView.Host() {
                @Override
                public MigrationSession session() {
                    return session;
                }

                @Override
                public List<DeviceInfo> devices() {
                    return devices.devices();
                }

                @Override
                public CompletableFuture<Void> releaseDevice() {
                    return InspectorWindow.this.releaseDevice();
                }

                @Override
                public CompletableFuture<MigrationSession> reopenDevice(String id, boolean armed) {
                    return InspectorWindow.this.reopenDevice(id, armed);
                }
            });
        }
        return conformance;
    }

    /** Stops the frame timer and closes the session (off the FX thread). */
    public void dispose() {
        frame.stop();
        if (conformance != null) {
            conformance.dispose();
        }
        MigrationSession s = session;
        session = null;
        if (s != null) {
            background.execute(s::close);
        }
        background.shutdown();
    }
}
