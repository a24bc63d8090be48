package dev.migscope.ui.log;

import dev.migscope.fsm.MigState;
import dev.migscope.view.DeviceEvent;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
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
        @Override
        public String toString() {
            return text;
        }
    }

    private final ObservableList<Line> lines = FXCollections.observableArrayList();
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
        clear.setOnAction(e -> lines.clear());
        setContextMenu(new ContextMenu(copy, copyAll, clear));
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
        lines.add(line);
        if (lines.size() > CAPACITY) {
            lines.remove(0, lines.size() - CAPACITY);
        }
        scrollTo(lines.size() - 1);
    }

    public List<Line> lines() {
        return new ArrayList<>(lines);
    }

    /** The whole log as text, one line per event. */
    public String text() {
        return lines.stream().map(Line::text).collect(Collectors.joining("\n"));
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
