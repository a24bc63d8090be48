package dev.migscope.ui.log;

import dev.migscope.device.Visible;
import dev.migscope.fsm.MigState;
import dev.migscope.ui.common.Pulses;
import dev.migscope.view.DeviceEvent;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javafx.application.Platform;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SelectionMode;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.KeyEvent;

/**
 * The event log: one line per call the session made (time, call, from -> to, steps, duration,
 * errno and meaning, data_fd) and per note of the window. Bounded; copyable as text; failures,
 * refusals and ERROR carry style classes that make them stand out.
 */
public final class EventLogView extends ListView<EventLogView.Line> {

    /** Lines kept: the oldest go first. */
    static final int CAPACITY = 5000;
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    /**
     * One line of the log.
     *
     * @param text    what the line says
     * @param kind    {@code ok}, {@code failed}, {@code refused}, {@code error-state}, {@code note}, {@code step}
     * @param event   the session event, null for a note of the window
     */
    public record Line(String text, String kind, DeviceEvent event) {
        /** A line quotes devices, QEMU and far sides: its controls are made visible. */
        public Line {
            text = Visible.of(text);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** The lines the list shows. */
    private final ObservableList<Line> lines = FXCollections.observableArrayList();
    /**
     * Lines appended and not yet shown: the list takes them all at once before a pulse's layout,
     * one change and one scroll however many came, and not in a pulse that {@link #yieldPulse
     * yields} (one that shows a state change in the graph: the list's layout waits a pulse).
     */
    private final List<Line> pending = new ArrayList<>();
    private boolean yielding;
    /** Where every line also goes (the window's log file); none by default. */
    private java.util.function.Consumer<String> sink = line -> { };

    public EventLogView() {
        super();
        setItems(lines);
        setId("event-log");
        getStyleClass().add("event-log");
        getSelectionModel().setSelectionMode(SelectionMode.MULTIPLE);
        setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(Line item, boolean empty) {
                super.updateItem(item, empty);
                getStyleClass().removeAll("log-ok", "log-failed", "log-refused", "log-error-state", "log-note",
                        "log-step");
                if (empty || item == null) {
                    setText(null);
                } else {
                    setText(item.text());
                    getStyleClass().add("log-" + item.kind());
                }
            }
        });
        MenuItem copy = new MenuItem("Copy selected lines");
        copy.setAccelerator(KeyCombination.keyCombination("Shortcut+C"));
        copy.setOnAction(e -> copy(selectedText()));
        MenuItem copyAll = new MenuItem("Copy the whole log");
        copyAll.setOnAction(e -> copy(text()));
        MenuItem clear = new MenuItem("Clear");
        clear.setOnAction(e -> {
            pending.clear();
            lines.clear();
        });
        setContextMenu(new ContextMenu(copy, copyAll, clear));
        Pulses.beforeEachLayout(this, this::showPending);
        addEventHandler(KeyEvent.KEY_PRESSED, e -> {
            if (e.isShortcutDown() && e.getCode() == KeyCode.C) {
                copy(selectedText());
                e.consume();
            }
        });
    }

    /** Appends a session event. FX thread. */
    public void add(DeviceEvent e) {
        String kind;
        if (e.refusal() != null) {
            kind = "refused";
        } else if (e.to() == MigState.ERROR || e.finalState() == MigState.ERROR) {
            kind = "error-state";
        } else if (e.failed() || e.kind() == DeviceEvent.Kind.DEVICE_GONE) {
            kind = "failed";
        } else if (e.kind() == DeviceEvent.Kind.STEP) {
            kind = "step";
        } else {
            kind = "ok";
        }
        String text = e.format();
        if (e.kind() == DeviceEvent.Kind.STEP) {
            // Steps sit under the transition they belong to: indented after the time stamp.
            int t = text.indexOf("  ");
            text = text.substring(0, t) + "    \u21b3 step " + text.substring(t + 2);
        }
        append(new Line(text, kind, e));
    }

    /** Appends a note of the window (not a device call). FX thread. */
    public void note(String text) {
        append(new Line(TIME.format(Instant.now()) + "  " + text, "note", null));
    }

    /** Appends a failure the window noticed itself (e.g. an open that failed). FX thread. */
    public void problem(String text) {
        append(new Line(TIME.format(Instant.now()) + "  " + text, "failed", null));
    }

    /** Sends every later line also to {@code sink} (e.g. the event log file). */
    public void setSink(java.util.function.Consumer<String> sink) {
        this.sink = sink;
    }

    private void append(Line line) {
        sink.accept(line.text());
        pending.add(line);
        if (pending.size() > CAPACITY) {
            pending.remove(0);
        }
        Platform.requestNextPulse();
    }

    /** The coming pulse shows something that must not wait (a state change): lines show in the next. */
    public void yieldPulse() {
        yielding = true;
    }

    private void showPending() {
        if (yielding) {
            yielding = false;
            if (!pending.isEmpty()) {
                Platform.requestNextPulse();
            }
            return;
        }
        if (pending.isEmpty()) {
            return;
        }
        int over = lines.size() + pending.size() - CAPACITY;
        if (over > 0) {
            lines.remove(0, Math.min(over, lines.size()));
        }
        lines.addAll(pending);
        pending.clear();
        scrollTo(lines.size() - 1);
    }

    /** Every line, also those appended since the list last took them. */
    public List<Line> lines() {
        List<Line> all = new ArrayList<>(lines);
        all.addAll(pending);
        return all.size() > CAPACITY ? all.subList(all.size() - CAPACITY, all.size()) : all;
    }

    /** The whole log as text, one line per event. */
    public String text() {
        return lines().stream().map(Line::text).collect(Collectors.joining("\n"));
    }

    private String selectedText() {
        List<Line> sel = getSelectionModel().getSelectedItems();
        return sel.isEmpty() ? text() : sel.stream().map(Line::text).collect(Collectors.joining("\n"));
    }

    private static void copy(String s) {
        ClipboardContent c = new ClipboardContent();
        c.putString(s);
        Clipboard.getSystemClipboard().setContent(c);
    }
}
