package dev.migscope.ui;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.fsm.Arc;
import dev.migscope.remote.SshSettings;
import dev.migscope.session.MigrationSession;
import dev.migscope.host.LocalHost;
import dev.migscope.protocol.MigscopeVersion;
import dev.migscope.session.SessionOptions;
import dev.migscope.ui.charts.ChartsPane;
import dev.migscope.ui.common.FxTasks;
import dev.migscope.ui.common.Theme;
import dev.migscope.ui.conform.ConformanceView;
import dev.migscope.ui.devices.DeviceListView;
import dev.migscope.ui.graph.FsmGraphView;
import dev.migscope.ui.log.EventLogView;
import dev.migscope.ui.mainwindow.ActionsController;
import dev.migscope.ui.mainwindow.Commands;
import dev.migscope.ui.mainwindow.DeviceCalls;
import dev.migscope.ui.mainwindow.DeviceListController;
import dev.migscope.ui.mainwindow.ExportController;
import dev.migscope.ui.mainwindow.LibvirtController;
import dev.migscope.ui.mainwindow.QemuController;
import dev.migscope.ui.mainwindow.RecordingController;
import dev.migscope.ui.mainwindow.RemoteController;
import dev.migscope.ui.mainwindow.SelectedDevice;
import dev.migscope.ui.mainwindow.SimulationController;
import dev.migscope.ui.mainwindow.StatusBarController;
import dev.migscope.ui.mainwindow.StreamController;
import dev.migscope.ui.mainwindow.StreamFilesController;
import dev.migscope.ui.teaching.TeachingView;
import dev.migscope.view.DeviceEvent;
import dev.migscope.view.DeviceView;
import dev.migscope.view.TelemetryKind;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import javafx.animation.AnimationTimer;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

/**
 * The inspector window: device list, live FSM graph, charts, event log, toolbar and status bar,
 * laid out here and run by one controller per part ({@code ui.mainwindow}) around one
 * {@link SelectedDevice}. The graph, the charts and the log show the selected
 * {@link DeviceView}; nothing here calls a device: commands go through the view's control (its
 * device thread) and come back to the FX thread through {@link FxTasks}. State and charts are
 * pulled once per frame.
 */
public final class InspectorWindow {

    /** The size the window is designed for and screenshots are rendered at. */
    public static final double WIDTH = 1280;
    public static final double HEIGHT = 800;

    private final DeviceRegistry registry;
    private final FxTasks tasks = new FxTasks("migscope-ui-background");
    private final SelectedDevice selected = new SelectedDevice();
    private final DeviceListView devices = new DeviceListView();
    private final FsmGraphView graph = new FsmGraphView();
    private final ChartsPane charts = new ChartsPane();
    private final EventLogView log = new EventLogView();
    private final DeviceListController deviceList;
    private final DeviceCalls calls;
    private final ActionsController actions;
    private final StreamController streams;
    private final RecordingController recording;
    private final ExportController exports;
    private final SimulationController simulation;
    private final QemuController qemus;
    private final RemoteController remotes;
    private final StreamFilesController streamFiles;
    private final LibvirtController libvirts;
    /** Built when its tab is first shown (or asked for): the first frame shows only the Inspector. */
    private TeachingView teaching;
    private ConformanceView conformance;
    private final BorderPane root = new BorderPane();
    private final Scene scene;
    private Theme theme;
    private final AnimationTimer frame;

    public InspectorWindow(DeviceRegistry registry, Theme theme) {
        this(registry, theme, SessionOptions.defaults());
    }

    /** {@code options} is the template for each session the window opens (armed is decided per device). */
    public InspectorWindow(DeviceRegistry registry, Theme theme, SessionOptions options) {
        this(registry, theme, options, UserFiles.fromEnvironment(System.getenv()),
                () -> SshSettings.fromEnvironment(System.getenv()));
    }

    /**
     * @param files where the hosts and libvirt URIs connected to are remembered
     * @param ssh   how ssh runs for Connect to host (read at each connect)
     */
    public InspectorWindow(DeviceRegistry registry, Theme theme, SessionOptions options,
            UserFiles files, Supplier<SshSettings> ssh) {
        this.registry = registry;
        this.theme = theme;
        LocalHost here = new LocalHost(registry, MigscopeVersion.current());
        devices.setThisHost(DeviceListView.identity(here.kernel(), here.migscopeVersion()));
        deviceList = new DeviceListController(devices, registry, options, selected, log, tasks);
        calls = new DeviceCalls(selected, log);
        TabPane tabs = new TabPane();
        qemus = new QemuController(devices, registry, log, tabs, selected);
        actions = new ActionsController(selected, calls, log);
        StatusBarController status = new StatusBarController(selected, calls, deviceList.activityProperty());
        streams = new StreamController(calls, log, status, root);
        recording = new RecordingController(selected, log, tasks, root);
        exports = new ExportController(graph, charts, log);
        simulation = new SimulationController(selected, calls, log, tasks, options.precopyMax(), root);
        showSelected();

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
        tabs.getTabs().addAll(inspect, teach, conform);
        tabs.setId("tabs");
        remotes = new RemoteController(devices, selected, log, options, ssh, files);
        streamFiles = new StreamFilesController(devices, selected, log, tabs, theme);
        libvirts = new LibvirtController(devices, log, qemus, files);

        SplitPane main = new SplitPane(devices, tabs);
        main.setDividerPositions(0.2);
        SplitPane.setResizableWithParent(devices, false);
        devices.setMinWidth(200);
        devices.setPrefWidth(260);

        // The parts meet at the selection and at the commands they publish: the menus and the toolbar lay
        // those out by id.
        Commands commands = new Commands();
        streams.publishTo(commands);
        streamFiles.publishTo(commands);
        recording.publishTo(commands);
        exports.publishTo(commands);
        simulation.publishTo(commands);
        remotes.publishTo(commands);
        libvirts.publishTo(commands);
        qemus.publishTo(commands);
        deviceList.publishTo(commands);
        commands.publish(new Commands.Command(ActionsController.TIME_WINDOW_30S, "Time window 30 s", null,
                "Show the last 30 s", false, () -> charts.setWindow(ChartsPane.Window.S30)));
        commands.publish(new Commands.Command(ActionsController.TIME_WINDOW_5MIN, "Time window 5 min", null,
                "Show the last 5 min", false, () -> charts.setWindow(ChartsPane.Window.M5)));
        commands.publish(new Commands.Command(ActionsController.TIME_WINDOW_1H, "Time window 1 h", null,
                "Show the last hour", false, () -> charts.setWindow(ChartsPane.Window.H1)));
        root.setTop(new VBox(
                actions.menus(commands, this::applyTheme,
                        () -> root.getScene() == null ? null : root.getScene().getWindow()),
                actions.toolbar(commands)));
        root.setCenter(main);
        root.setBottom(status.node());
        root.getStyleClass().add("inspector");
        root.setId("inspector");

        scene = new Scene(root, WIDTH, HEIGHT);
        applyTheme(theme);
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
                selected.poll();
                charts.update();
            }
        };
        frame.start();
        deviceList.rescan();
    }

    /** The graph, the charts and the log show the selected view, whatever kind it is. */
    private void showSelected() {
        graph.setOnTarget(actions::requestTransition);
        graph.currentProperty().bind(selected.stateProperty());
        // The pulse that shows a new state in the graph draws no chart and lays out no new log line:
        // they follow in the next pulses (docs/BENCHMARKS.md, event to screen).
        selected.stateProperty().addListener((o, was, st) -> {
            charts.yieldPulse();
            log.yieldPulse();
        });
        selected.viewProperty().addListener((o, was, v) -> {
            graph.featuresProperty().set(v == null ? null : v.features());
            charts.setTelemetry(v == null ? null : v.telemetry(),
                    v == null ? TelemetryKind.DEVICE : v.telemetryKind());
            charts.setStates(v == null ? List::of : v::stateChanges);
            charts.update();
            if (conformance != null) {
                conformance.refresh();
            }
        });
        selected.onEvent(e -> {
            log.add(e);
            if (e.kind() == DeviceEvent.Kind.STEP && e.error() == null && e.from() != null && e.to() != null) {
                graph.flash(new Arc(e.from(), e.to()));
            }
        });
    }

    private Node graphPane() {
        Label legend = new Label("solid: arcs this device implements \u00b7 dashed grey: needs a feature it lacks "
                + "\u00b7 red dashed: the kernel refuses \u00b7 orange: the path for the state you point at \u00b7 "
                + "click or press its number to go there");
        legend.getStyleClass().add("pane-explain");
        legend.setWrapText(true);
        legend.setMinHeight(Region.USE_PREF_SIZE);
        VBox box = titled("Migration FSM", graph);
        box.getChildren().add(legend);
        return box;
    }

    private static VBox titled(String text, Node content) {
        Label title = new Label(text);
        title.getStyleClass().add("pane-title");
        VBox box = new VBox(4, title, content);
        VBox.setVgrow(content, Priority.ALWAYS);
        box.setPadding(new Insets(8));
        box.getStyleClass().add("panel");
        return box;
    }

    /** Sets a tab's content the first time the tab is selected. */
    private static void fillOnFirstSelection(Tab tab, Supplier<Node> content) {
        tab.selectedProperty().addListener((o, was, isSelected) -> {
            if (isSelected && tab.getContent() == null) {
                tab.setContent(content.get());
            }
        });
    }

    public void applyTheme(Theme t) {
        theme = t;
        t.apply(scene);
        charts.applyTheme(t);
        streamFiles.applyTheme(t);
        actions.showTheme(t);
    }

    // ---------------------------------------------------------------- parts
    // The parts this package's callers drive (InspectorApp, RememberedDevice, Screenshot, and the tests
    // of the window that drive one part): each called through its own API, none through the window.

    /** The window's one thread for blocking work that is no device call (a scan, a close, a file). */
    FxTasks tasks() {
        return tasks;
    }

    DeviceListController deviceList() {
        return deviceList;
    }

    ActionsController actions() {
        return actions;
    }

    StreamController streams() {
        return streams;
    }

    RecordingController recording() {
        return recording;
    }

    ExportController exports() {
        return exports;
    }

    SimulationController simulation() {
        return simulation;
    }

    QemuController qemus() {
        return qemus;
    }

    LibvirtController libvirts() {
        return libvirts;
    }

    RemoteController remotes() {
        return remotes;
    }

    StreamFilesController streamFiles() {
        return streamFiles;
    }

    DeviceListView devices() {
        return devices;
    }

    FsmGraphView graph() {
        return graph;
    }

    ChartsPane charts() {
        return charts;
    }

    EventLogView log() {
        return log;
    }

    // ---------------------------------------------------------------- frame

    public Scene scene() {
        return scene;
    }

    public Parent root() {
        return root;
    }

    public Theme theme() {
        return theme;
    }

    private TeachingView teaching() {
        if (teaching == null) {
            teaching = new TeachingView();
        }
        return teaching;
    }

    private ConformanceView conformance() {
        if (conformance == null) {
            conformance = new ConformanceView(registry, log, new ConformanceView.Host() {
                @Override
                public DeviceView device() {
                    return selected.view();
                }

                @Override
                public List<DeviceInfo> devices() {
                    return devices.devices();
                }

                @Override
                public CompletableFuture<Void> releaseDevice() {
                    return deviceList.release();
                }

                @Override
                public CompletableFuture<MigrationSession> reopenDevice(String id, boolean armed) {
                    return deviceList.reopen(id).thenApply(s -> {
                        if (armed && !s.isArmed()) {
                            actions.setArmed(true);
                        }
                        return s;
                    });
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
        deviceList.dispose();
        qemus.dispose();
        remotes.dispose();
        streamFiles.dispose();
        libvirts.dispose();
        tasks.shutdown();
    }
}
