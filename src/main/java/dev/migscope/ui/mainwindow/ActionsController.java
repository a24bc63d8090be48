package dev.migscope.ui.mainwindow;

import dev.migscope.device.IovaRange;
import dev.migscope.device.VfioError;
import dev.migscope.fsm.MigState;
import dev.migscope.qemu.QemuControl;
import dev.migscope.ui.common.Theme;
import dev.migscope.ui.common.Tooltips;
import dev.migscope.ui.log.EventLogView;
import dev.migscope.view.DeviceControl;
import dev.migscope.view.DeviceView;
import dev.migscope.view.TransitionResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonBase;
import javafx.scene.control.CheckMenuItem;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.Separator;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToolBar;
import javafx.scene.input.KeyCombination;
import javafx.stage.Window;

/**
 * The window's commands: the toolbar and the menus, with the actions that drive the selected
 * device (arm, reset, go to a state, DMA logging) here and the others' from their controllers.
 * Every driving command goes through the view's control and is disabled while there is none.
 * FX thread.
 */
public final class ActionsController {

    /** DMA logging range the window asks for: the first 256 MiB of IOVA, 4 KiB pages. */
    private static final long DMA_PAGE = 4096;
    private static final List<IovaRange> DMA_RANGES = List.of(new IovaRange(0, 256L << 20));

    /** The charts' time windows, which the frame publishes (the charts are no controller of the window). */
    public static final String TIME_WINDOW_30S = "time-window-30s";
    public static final String TIME_WINDOW_5MIN = "time-window-5min";
    public static final String TIME_WINDOW_1H = "time-window-1h";

    private final SelectedDevice selected;
    private final DeviceCalls calls;
    private final EventLogView log;
    private final ToggleButton armButton = new ToggleButton("Arm");
    private final ToggleButton dmaButton = new ToggleButton("DMA logging");
    private final CheckMenuItem armItem = new CheckMenuItem("Armed");
    private final CheckMenuItem dmaItem = new CheckMenuItem("DMA logging");
    private final CheckMenuItem darkItem = new CheckMenuItem("Dark theme");
    /** Buttons and menu items that need a device that can be driven. */
    private final List<ButtonBase> driving = new ArrayList<>();
    private final List<MenuItem> drivingItems = new ArrayList<>();

    public ActionsController(SelectedDevice selected, DeviceCalls calls, EventLogView log) {
        this.selected = selected;
        this.calls = calls;
        this.log = log;
        selected.onChange(this::sync);
    }

    // ---------------------------------------------------------------- driving the device

    /** Asks the device for {@code target}; the result lands in the log. Refusals come back from the session too. */
    public CompletableFuture<TransitionResult> requestTransition(MigState target) {
        return calls.control().map(c -> calls.track(c.transition(target)))
                .orElse(CompletableFuture.completedFuture(null));
    }

    /** VFIO_DEVICE_RESET. */
    public CompletableFuture<TransitionResult> reset() {
        return calls.control().map(c -> calls.track(c.reset())).orElse(CompletableFuture.completedFuture(null));
    }

    /**
     * The one arming path: the selection's QEMU when it has one (its node, or one of its devices),
     * else the selected device.
     */
    public void setArmed(boolean armed) {
        DeviceView v = selected.view();
        Optional<QemuControl> q = selected.qemu();
        if (q.isPresent()) {
            q.get().setArmed(armed);
            log.note("QEMU " + q.get().qemu().name() + (armed ? " armed: migscope may start or cancel its migration "
                    + "and set downtime-limit (QEMU menu)" : " disarmed: migscope only follows it"));
        } else if (v != null) {
            Optional<DeviceControl> c = v.control();
            c.ifPresent(d -> d.setArmed(armed));
            boolean now = c.map(DeviceControl::isArmed).orElse(false);
            log.note(v.id() + (now ? " armed: state changes reach the device"
                    : armed ? " cannot be armed (a read-only watch)" : " disarmed"));
        }
        selected.changed();
    }

    public CompletableFuture<Optional<VfioError>> setDmaLogging(boolean on) {
        DeviceView v = selected.view();
        Optional<DeviceControl> c = selected.control();
        if (c.isEmpty()) {
            sync();
            return CompletableFuture.completedFuture(Optional.empty());
        }
        if (on && !c.get().isDmaLoggingSupported()) {
            log.problem(v.id() + " does not support DMA_LOGGING (PROBE failed)");
            sync();
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return calls.track(on ? c.get().startDmaLogging(DMA_PAGE, DMA_RANGES) : c.get().stopDmaLogging());
    }

    /** Makes the toggles and the enabled commands match the selected device. */
    private void sync() {
        Optional<DeviceControl> c = selected.control();
        Optional<QemuControl> qemu = selected.qemu();
        boolean armed = qemu.map(QemuControl::isArmed).orElse(c.map(DeviceControl::isArmed).orElse(false));
        armButton.setSelected(armed);
        armItem.setSelected(armed);
        armButton.setText(armed ? "Armed" : "Arm");
        boolean dma = c.map(DeviceControl::isDmaLogging).orElse(false);
        dmaButton.setSelected(dma);
        dmaItem.setSelected(dma);
        for (ButtonBase b : driving) {
            b.setDisable(c.isEmpty());
        }
        for (MenuItem m : drivingItems) {
            m.setDisable(c.isEmpty());
        }
        armButton.setDisable(c.isEmpty() && qemu.isEmpty());
        armItem.setDisable(c.isEmpty() && qemu.isEmpty());
        dmaButton.setDisable(c.map(d -> !d.isDmaLoggingSupported()).orElse(true));
    }

    /** Ticks the menu's dark theme item when {@code t} is the dark one. */
    public void showTheme(Theme t) {
        darkItem.setSelected(t == Theme.DARK);
    }

    // ---------------------------------------------------------------- toolbar and menus

    /** The toolbar: the device's own commands here, the others' as their parts published them. */
    public ToolBar toolbar(Commands published) {
        armButton.setId("action-arm");
        Tooltips.install(armButton, "Arm the device or the attached QEMU (Ctrl+A): nothing changes a device or a VM "
                + "unless it is armed");
        armButton.setOnAction(e -> setArmed(armButton.isSelected()));
        dmaButton.setId("action-dma");
        Tooltips.install(dmaButton, "Start or stop DMA_LOGGING (Ctrl+D): device-side dirty page tracking");
        dmaButton.setOnAction(e -> setDmaLogging(dmaButton.isSelected()));
        driving.add(armButton);
        ToolBar bar = new ToolBar(armButton,
                driving(button("action-reset", "Reset", "VFIO_DEVICE_RESET (Ctrl+R): the only way out of ERROR",
                        this::reset)),
                new Separator(),
                button(published.command(StreamController.SAVE), "Save\u2026"),
                button(published.command(StreamController.RESUME), "Resume\u2026"),
                dmaButton, published.button(RecordingController.RECORD), new Separator(),
                button(published.command(SimulationController.FAULT), "Inject fault\u2026"),
                button(published.command(SimulationController.DEMO), "Demo"),
                new Separator(),
                button(published.command(ExportController.GRAPH), "Graph PNG"),
                button(published.command(ExportController.CHARTS), "Charts PNG"));
        bar.setId("toolbar");
        sync();
        return bar;
    }

    private ButtonBase driving(ButtonBase b) {
        driving.add(b);
        return b;
    }

    private ButtonBase button(Commands.Command c, String text) {
        ButtonBase b = button("action-" + c.id(), text, c.tip(), c.action());
        return c.driving() ? driving(b) : b;
    }

    private static Button button(String id, String text, String tip, Runnable action) {
        Button b = new Button(text);
        b.setId(id);
        Tooltips.install(b, tip);
        b.setOnAction(e -> action.run());
        return b;
    }

    /**
     * The menu bar: the device's own commands here, the others' as their parts published them.
     *
     * @param theme  switches the window's theme
     * @param window the window to close on Quit
     */
    public MenuBar menus(Commands published, Consumer<Theme> theme, Supplier<Window> window) {
        MenuItem quit = item("Quit", "Shortcut+Q", () -> {
            Window w = window.get();
            if (w != null) {
                w.hide();
            }
        });
        Menu file = new Menu("File", null,
                item(published.command(StreamController.SAVE)), item(published.command(StreamController.RESUME)),
                item(published.command(QemuController.ATTACH)), item(published.command(RemoteController.CONNECT)),
                item(published.command(StreamFilesController.OPEN)), item(published.command(StreamFilesController.EXTRACT)),
                published.item(RemoteController.RECONNECT), item(published.command(LibvirtController.CONNECT)),
                published.item(RecordingController.RECORD),
                new SeparatorMenuItem(),
                item(published.command(ExportController.GRAPH)), item(published.command(ExportController.CHARTS)),
                new SeparatorMenuItem(), quit);

        armItem.setAccelerator(KeyCombination.keyCombination("Shortcut+A"));
        armItem.setOnAction(e -> setArmed(armItem.isSelected()));
        dmaItem.setAccelerator(KeyCombination.keyCombination("Shortcut+D"));
        dmaItem.setOnAction(e -> setDmaLogging(dmaItem.isSelected()));
        Menu go = new Menu("Go to state");
        for (MigState s : MigState.values()) {
            go.getItems().add(item(s.name() + "  (" + s.abi() + ")", "Shortcut+DIGIT" + s.abi(),
                    () -> requestTransition(s)));
        }
        Menu device = new Menu("Device", null, drivingItem(armItem),
                drivingItem(item("Reset", "Shortcut+R", this::reset)), drivingItem(go),
                new SeparatorMenuItem(), drivingItem(dmaItem),
                item(published.command(SimulationController.FAULT)),
                item(published.command(SimulationController.CLEAR_FAULTS)),
                new SeparatorMenuItem(), item(published.command(DeviceListController.RESCAN)));

        darkItem.setAccelerator(KeyCombination.keyCombination("Shortcut+T"));
        darkItem.setOnAction(e -> theme.accept(darkItem.isSelected() ? Theme.DARK : Theme.LIGHT));
        Menu view = new Menu("View", null, darkItem, item(published.command(TIME_WINDOW_30S)),
                item(published.command(TIME_WINDOW_5MIN)), item(published.command(TIME_WINDOW_1H)));
        Menu help = new Menu("Help", null, item(published.command(SimulationController.DEMO)));
        MenuBar bar = new MenuBar(file, device, (Menu) published.item(QemuController.MENU), view, help);
        bar.setId("menu-bar");
        sync();
        return bar;
    }

    private MenuItem item(Commands.Command c) {
        MenuItem m = item(c.text(), c.accelerator(), c.action());
        return c.driving() ? drivingItem(m) : m;
    }

    private MenuItem drivingItem(MenuItem m) {
        drivingItems.add(m);
        return m;
    }

    private static MenuItem item(String text, String accelerator, Runnable action) {
        MenuItem m = new MenuItem(text);
        if (accelerator != null) {
            m.setAccelerator(KeyCombination.keyCombination(accelerator));
        }
        m.setOnAction(e -> action.run());
        return m;
    }
}
