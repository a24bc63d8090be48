package dev.migscope.ui.mainwindow;

import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import dev.migscope.telemetry.CsvRecording;
import dev.migscope.ui.common.FileDialogs;
import dev.migscope.ui.common.FxTasks;
import dev.migscope.ui.common.Tooltips;
import dev.migscope.ui.log.EventLogView;
import dev.migscope.view.DeviceView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javafx.scene.Node;
import javafx.scene.control.CheckMenuItem;
import javafx.scene.control.ToggleButton;
import javafx.scene.input.KeyCombination;

/**
 * Recording the selected view's telemetry to CSV ({@link CsvRecording}): from when the user starts
 * until they stop, when the file is written off the FX thread. Selecting another device drops the
 * recording. Its toggle button and menu item follow it. FX thread.
 */
public final class RecordingController {

    public static final String RECORD = "record";

    private final SelectedDevice selected;
    private final EventLogView log;
    private final FxTasks tasks;
    private final Node owner;
    private final ToggleButton button = new ToggleButton("Record CSV");
    private final CheckMenuItem item = new CheckMenuItem("Record session to CSV\u2026");
    private CsvRecording recording;
    private Path file;

    public RecordingController(SelectedDevice selected, EventLogView log, FxTasks tasks, Node owner) {
        this.selected = selected;
        this.log = log;
        this.tasks = tasks;
        this.owner = owner;
        button.setId("action-record");
        Tooltips.install(button, "Record the session's telemetry to a CSV file (Ctrl+E)");
        button.setOnAction(e -> toggle());
        item.setAccelerator(KeyCombination.keyCombination("Shortcut+E"));
        item.setOnAction(e -> toggle());
        selected.viewProperty().addListener((o, was, v) -> {
            recording = null;
            file = null;
            sync();
        });
        sync();
    }

    public ToggleButton button() {
        return button;
    }

    public CheckMenuItem menuItem() {
        return item;
    }

    /** Starts recording to a file the user chooses, or writes out the recording that runs. */
    private void toggle() {
        if (recording != null) {
            stop();
            return;
        }
        Optional<Path> f = FileDialogs.save(owner, "Record session to CSV", "migscope-session.csv");
        if (f.isPresent()) {
            start(f.get());
        } else {
            sync();
        }
    }

    /** From now on, telemetry is recorded; {@link #stop} writes it to {@code to}. */
    public void start(Path to) {
        DeviceView v = selected.view();
        if (v == null) {
            log.problem("select a device first");
            sync();
            return;
        }
        recording = CsvRecording.start(v.telemetry());
        file = to;
        log.note("recording telemetry to " + to + " (stop with Ctrl+E)");
        sync();
    }

    /** Writes what was recorded (off the FX thread) and stops recording; completes with the file, or null. */
    public CompletableFuture<Path> stop() {
        CsvRecording r = recording;
        Path to = file;
        recording = null;
        file = null;
        sync();
        if (r == null) {
            return CompletableFuture.completedFuture(null);
        }
        return tasks.supply(() -> {
            try {
                r.write(to, abi -> MigState.fromAbi(abi).map(Enum::name).orElse(""));
                return to;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).whenComplete((p, err) -> {
            if (err != null) {
                log.problem("CSV not written: " + VfioException.describe(err));
            } else {
                log.note("recorded session written to " + p);
            }
        });
    }

    private void sync() {
        boolean on = recording != null;
        button.setSelected(on);
        item.setSelected(on);
        boolean none = selected.view() == null;
        button.setDisable(none);
        item.setDisable(none);
    }

    public void publishTo(Commands commands) {
        commands.publish(RECORD, menuItem());
        commands.publish(RECORD, button());
    }
}
