package dev.migscope.ui.mainwindow;

import dev.migscope.fsm.MigState;
import dev.migscope.telemetry.Bytes;
import dev.migscope.ui.common.FileDialogs;
import dev.migscope.ui.common.FxTasks;
import dev.migscope.ui.common.Tooltips;
import dev.migscope.ui.log.EventLogView;
import dev.migscope.view.Cancellation;
import dev.migscope.view.DeviceControl;
import dev.migscope.view.Progress;
import dev.migscope.view.StreamResult;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Region;

/**
 * Save and resume of the selected device with their progress in the status bar and a cancel
 * button (Esc). One stream at a time. The progress box is built by the first save or resume: the
 * first frame does not carry it. FX thread.
 */
public final class StreamController {

    public static final String SAVE = "save";
    public static final String RESUME = "resume";

    private final DeviceCalls calls;
    private final EventLogView log;
    private final StatusBarController status;
    private final Node owner;

    private HBox progressBox;
    private ProgressBar bar;
    private Label text;
    private Cancellation running;

    /** @param owner a node of the window, for the file choosers */
    public StreamController(DeviceCalls calls, EventLogView log, StatusBarController status, Node owner) {
        this.calls = calls;
        this.log = log;
        this.status = status;
        this.owner = owner;
    }

    /** Asks for a file and saves to it. */
    public void chooseAndSave() {
        FileDialogs.save(owner, "Save migration stream", "migscope-stream.bin").ifPresent(this::saveTo);
    }

    /** Asks for a file and resumes it. */
    public void chooseAndResume() {
        FileDialogs.open(owner, "Resume migration stream").ifPresent(this::resumeFrom);
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
        Optional<DeviceControl> control = calls.control();
        if (control.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        if (running != null) {
            log.problem("a save or resume is already running: cancel it first");
            return CompletableFuture.completedFuture(null);
        }
        Cancellation c = new Cancellation();
        running = c;
        String verb = save ? "saving" : "resuming";
        show(StreamProgress.of(verb, 0, 0));
        log.note(verb + " " + file);
        // Progress comes from the device thread, many times a second: the FX thread takes the newest.
        Consumer<StreamProgress> shown = FxTasks.latest(this::show);
        Progress p = (phase, bytes, estimate) -> shown.accept(StreamProgress.of(verb + " " + phase, bytes, estimate));
        DeviceControl d = control.get();
        CompletableFuture<StreamResult> f = save ? d.save(file, null, p, c) : d.resume(file, MigState.RUNNING, p, c);
        return calls.track(f).whenComplete((r, err) -> {
            running = null;
            progressBox.setVisible(false);
            progressBox.setManaged(false);
            if (r != null) {
                logResult(r, file, save);
            }
        });
    }

    private void logResult(StreamResult r, Path file, boolean save) {
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

    /** Cancels the running save or resume, if any. */
    public void cancel() {
        if (running != null) {
            running.cancel();
            text.setText("cancelling\u2026");
        }
    }

    private void show(StreamProgress p) {
        if (running == null) {
            // a last update that arrives after the stream ended
            return;
        }
        if (progressBox == null) {
            build();
        }
        progressBox.setVisible(true);
        progressBox.setManaged(true);
        text.setText(p.text());
        bar.setProgress(p.fraction());
    }

    private void build() {
        text = new Label();
        text.setId("progress-text");
        text.getStyleClass().add("status-item");
        bar = new ProgressBar(0);
        bar.setId("stream-progress");
        bar.setPrefWidth(160);
        bar.setMinWidth(80);
        Button cancel = new Button("Cancel");
        cancel.setId("stream-cancel");
        cancel.setOnAction(e -> cancel());
        cancel.setCancelButton(true);
        cancel.setMinWidth(Region.USE_PREF_SIZE);
        Tooltips.install(cancel, "Cancel the save or resume (Esc)");
        progressBox = new HBox(6, text, bar, cancel);
        progressBox.setAlignment(Pos.CENTER_LEFT);
        status.addRight(progressBox);
    }

    public void publishTo(Commands commands) {
        commands.publish(new Commands.Command(SAVE, "Save stream to file\u2026", "Shortcut+S",
                "Save the device state to a stream file (Ctrl+S)", true, this::chooseAndSave));
        commands.publish(new Commands.Command(RESUME, "Resume from file\u2026", "Shortcut+O",
                "Resume a stream file into the device (Ctrl+O)", true, this::chooseAndResume));
    }
}
