package dev.migscope.ui.mainwindow;

import dev.migscope.remote.SshTarget;
import java.util.List;
import java.util.Optional;
import javafx.event.ActionEvent;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.layout.VBox;

/**
 * File -> Connect to host...: a host as {@code --host} takes it, or one of the remembered ones.
 * What {@link SshTarget} refuses is said in the dialog, which stays open.
 */
final class ConnectDialog {

    private ConnectDialog() {
    }

    /** The host to connect to, checked; empty when cancelled. */
    static Optional<String> ask(Node owner, List<String> remembered) {
        ComboBox<String> host = new ComboBox<>();
        host.setId("connect-host");
        host.setEditable(true);
        host.getItems().setAll(remembered);
        host.setPromptText("[USER@]HOST[:PORT] or an ssh_config alias");
        host.setPrefWidth(380);
        if (!remembered.isEmpty()) {
            host.getEditor().setText(remembered.get(0));
        }
        Label explain = new Label("migscope runs your ssh (its keys, agent, known_hosts and ssh_config; it never "
                + "asks for a password) and `migscope agent` there, which the same migscope package installs.");
        explain.setWrapText(true);
        explain.setMaxWidth(380);
        Label problem = new Label();
        problem.setId("connect-problem");
        problem.setWrapText(true);
        problem.setMaxWidth(380);
        problem.getStyleClass().add("problem");
        Dialog<String> d = new Dialog<>();
        d.setTitle("Connect to host");
        d.getDialogPane().setContent(new VBox(8, explain, host, problem));
        d.getDialogPane().getButtonTypes().addAll(ButtonType.OK, ButtonType.CANCEL);
        Button ok = (Button) d.getDialogPane().lookupButton(ButtonType.OK);
        ok.setId("connect-ok");
        ok.addEventFilter(ActionEvent.ACTION, e -> {
            String why = problem(host.getEditor().getText());
            problem.setText(why == null ? "" : why);
            if (why != null) {
                e.consume();
            }
        });
        d.setResultConverter(b -> b == ButtonType.OK ? host.getEditor().getText().strip() : null);
        if (owner.getScene() != null) {
            d.initOwner(owner.getScene().getWindow());
        }
        return d.showAndWait();
    }

    /** Why {@code text} names no host, or null when it does. */
    static String problem(String text) {
        if (text == null || text.isBlank()) {
            return "name a host: [USER@]HOST[:PORT] or an ssh_config alias";
        }
        try {
            SshTarget.parse(text.strip());
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }
}
