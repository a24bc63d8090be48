package dev.migscope.ui.mainwindow;

import dev.migscope.device.Errno;
import dev.migscope.fsm.Arc;
import dev.migscope.session.demo.DemoScenario;
import dev.migscope.ui.common.FxTasks;
import dev.migscope.ui.log.EventLogView;
import dev.migscope.view.DeviceControl;
import dev.migscope.view.DeviceView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javafx.scene.Node;

/**
 * What only a simulated device offers: injected faults, and the training scenario ({@code migscope
 * demo}'s {@link DemoScenario}) run on it. FX thread.
 */
public final class SimulationController {

    public static final String FAULT = "fault";
    public static final String CLEAR_FAULTS = "clear-faults";
    public static final String DEMO = "demo";

    private final SelectedDevice selected;
    private final DeviceCalls calls;
    private final EventLogView log;
    private final FxTasks tasks;
    /** The longest PRE_COPY phase of the window's saves: the demo's narration names it. */
    private final Duration precopyMax;
    private final Node owner;

    public SimulationController(SelectedDevice selected, DeviceCalls calls, EventLogView log, FxTasks tasks,
                                Duration precopyMax, Node owner) {
        this.selected = selected;
        this.calls = calls;
        this.log = log;
        this.tasks = tasks;
        this.precopyMax = precopyMax;
        this.owner = owner;
    }

    /** The selected device's control when it is simulated; else says so with {@code problem}. */
    private Optional<DeviceControl> simulated(String problem) {
        Optional<DeviceControl> c = selected.control().filter(d -> d.simulation().isPresent());
        if (c.isEmpty()) {
            log.problem(problem);
        }
        return c;
    }

    /** Injects a fault into the simulated device (through its device thread). */
    public CompletableFuture<Void> injectFault(Arc arc, Errno errno, boolean leaveInError) {
        Optional<DeviceControl> c = simulated("faults can be injected into simulated devices only");
        if (c.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return calls.track(c.get().simulate(s -> s.injectFault(arc, errno, leaveInError))).thenRun(() ->
                log.note("fault armed: the next SET over " + arc + " fails with " + errno
                        + (leaveInError ? " and leaves the device in ERROR" : "")));
    }

    public void clearFaults() {
        selected.control().filter(d -> d.simulation().isPresent()).ifPresent(c ->
                calls.track(c.simulate(s -> s.clearFaults())).thenRun(() -> log.note("injected faults cleared")));
    }

    /** Asks which arc should fail, and how. */
    public void showFaultDialog() {
        DeviceView v = selected.view();
        if (simulated("faults can be injected into simulated devices only: select one (sim:...)").isPresent()) {
            FaultDialog.ask(v.features(), v.state(), owner.getScene().getWindow())
                    .ifPresent(f -> injectFault(f.arc(), f.errno(), f.leaveInError()));
        }
    }

    /** Runs the training scenario on the selected simulated device; completes with its report, or null. */
    public CompletableFuture<DemoScenario.Report> runDemo() {
        Optional<DeviceControl> c = simulated("the demo runs on a simulated device: select one (sim:...)");
        if (c.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        c.get().setArmed(true);
        selected.changed();
        log.note("demo: " + DemoScenario.SUMMARY);
        Path dir;
        try {
            dir = Files.createTempDirectory("migscope-demo");
        } catch (IOException e) {
            log.problem("demo: cannot create a temporary directory: " + e.getMessage());
            return CompletableFuture.completedFuture(null);
        }
        DemoScenario demo = new DemoScenario(selected.view(), precopyMax, dir, line -> FxTasks.FX.execute(() -> log.note("demo: " + line)));
        return calls.track(tasks.supply(demo::run));
    }

    public void publishTo(Commands commands) {
        commands.publish(new Commands.Command(FAULT, "Inject fault\u2026", "Shortcut+F",
                "Make a simulated device fail an arc (Ctrl+F)", true, this::showFaultDialog));
        commands.publish(new Commands.Command(CLEAR_FAULTS, "Clear injected faults", null,
                "Clear the faults injected into the simulated device", true, this::clearFaults));
        commands.publish(new Commands.Command(DEMO, "Run the demo scenario", "F9",
                "Run the training scenario on a simulated device (F9)", true, this::runDemo));
    }
}
