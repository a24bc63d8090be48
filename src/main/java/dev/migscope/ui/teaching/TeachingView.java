package dev.migscope.ui.teaching;

import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.V1State;
import dev.migscope.ui.graph.FsmGraphView;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.scene.control.Control;
import javafx.scene.control.Label;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.scene.text.Text;

/**
 * The seed era beside today: the v1 migration region's bit mask (RUNNING, SAVING, RESUMING), every
 * combination, whether v1 accepted it and which v2 state took its place, next to the full v2 graph.
 * Selecting a row marks its v2 state in the graph.
 */
public final class TeachingView extends SplitPane {

    private final TableView<V1State> table = new TableView<>();
    private final FsmGraphView graph = new FsmGraphView("teach-");

    public TeachingView() {
        setId("teaching-view");
        getStyleClass().add("teaching-view");
        setOrientation(Orientation.HORIZONTAL);
        table.setId("v1-table");
        table.getItems().setAll(V1State.all());
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        TableColumn<V1State, String> bits = column("bits", 46,
                s -> String.format("%3s", Integer.toBinaryString(s.bits())).replace(' ', '0'));
        TableColumn<V1State, String> label = column("v1 device_state", 150, V1State::label);
        TableColumn<V1State, String> valid = column("valid", 46, s -> s.valid() && !s.isError() ? "yes" : "no");
        TableColumn<V1State, String> v2 = column("v2 state", 104,
                s -> s.v2().map(MigState::name).orElse("\u2014"));
        TableColumn<V1State, String> note = column("note", 260, V1State::note);
        note.setCellFactory(c -> wrapping(note));
        label.setCellFactory(c -> wrapping(label));
        table.getColumns().add(bits);
        table.getColumns().add(label);
        table.getColumns().add(valid);
        table.getColumns().add(v2);
        table.getColumns().add(note);
        table.setRowFactory(t -> new TableRow<>() {
            @Override
            protected void updateItem(V1State item, boolean empty) {
                super.updateItem(item, empty);
                getStyleClass().removeAll("v1-invalid", "v1-error");
                if (!empty && item != null) {
                    if (item.isError()) {
                        getStyleClass().add("v1-error");
                    } else if (!item.valid() || item.v2().isEmpty()) {
                        getStyleClass().add("v1-invalid");
                    }
                }
            }
        });
        table.getSelectionModel().selectedItemProperty().addListener((o, a, b) ->
                graph.currentProperty().set(b == null ? null : b.v2().orElse(null)));

        Label t1 = new Label("v1 (Linux 5.8 \u2013 5.17): a bit mask in the migration region");
        t1.getStyleClass().add("pane-title");
        Label e1 = new Label("Three bits gave eight combinations; some meant nothing, one meant a failed device. "
                + "Select a row to see the v2 state that took its place.");
        e1.setWrapText(true);
        e1.getStyleClass().add("pane-explain");
        VBox left = new VBox(6, t1, e1, table);
        VBox.setVgrow(table, Priority.ALWAYS);
        left.setPadding(new Insets(8));

        Label t2 = new Label("v2 (Linux 5.18+): named states, arcs the kernel walks");
        t2.getStyleClass().add("pane-title");
        graph.featuresProperty().set(MigFeatures.ALL);
        graph.setIdleCaption("The full v2 FSM (every feature). Select a v1 row to mark the state that replaced it; "
                + "point at a state for the kernel's path from there.");
        VBox right = new VBox(6, t2, graph);
        VBox.setVgrow(graph, Priority.ALWAYS);
        right.setPadding(new Insets(8));
        getItems().addAll(left, right);
        setDividerPositions(0.56);
    }

    /** A cell whose text wraps, so whole sentences show and the row grows to fit. */
    private static TableCell<V1State, String> wrapping(TableColumn<V1State, String> column) {
        Text text = new Text();
        text.getStyleClass().add("v1-text");
        text.wrappingWidthProperty().bind(column.widthProperty().subtract(12));
        TableCell<V1State, String> cell = new TableCell<>() {
            @Override
            protected void updateItem(String item, boolean empty) {
                super.updateItem(item, empty);
                text.setText(empty || item == null ? "" : item);
                setGraphic(empty ? null : text);
            }
        };
        cell.setPrefHeight(Control.USE_COMPUTED_SIZE);
        return cell;
    }

    private static TableColumn<V1State, String> column(String title, double width,
                                                     java.util.function.Function<V1State, String> f) {
        TableColumn<V1State, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setSortable(false);
        c.setCellValueFactory(cd -> new ReadOnlyStringWrapper(f.apply(cd.getValue())));
        return c;
    }

    public TableView<V1State> table() {
        return table;
    }

    public FsmGraphView graph() {
        return graph;
    }
}
