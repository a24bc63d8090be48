package dev.migscope.ui.mainwindow;

import dev.migscope.libvirt.LibvirtLink;
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
 * File -> Connect to libvirt...: a libvirt URI as virsh -c takes it (qemu:///system unless one is
 * remembered), or one of the remembered ones. What {@link LibvirtController#uriProblem} refuses is
 * said in the dialog, which stays open.
 */
final class LibvirtDialog {

    private LibvirtDialog() {
    }

    /** The URI to connect to, checked; empty when cancelled. */
    static Optional<String> ask(Node owner, List<String> remembered) {
        ComboBox<String> uri = new ComboBox<>();
        uri.setId("connect-libvirt-uri");
        uri.setEditable(true);
        uri.getItems().setAll(remembered);
        uri.setPromptText("qemu:///system, qemu:///session, qemu+ssh://HOST/system");
        uri.setPrefWidth(380);
        uri.getEditor().setText(remembered.isEmpty() ? LibvirtLink.DEFAULT_URI : remembered.get(0));
        Label explain = new Label("libvirt's URI, as virsh -c takes it. migscope lists the running domains and "
                + "their VFIO hostdevs; selecting a domain follows it through libvirt, read-only.");
        explain.setWrapText(true);
        explain.setMaxWidth(380);
        Label problem = new Label();
        problem.setId("connect-libvirt-problem");
        problem.setWrapText(true);
        problem.setMaxWidth(380);
        problem.getStyleClass().add("problem");
        Dialog<String> d = new Dialog<>();
        d.setTitle("Connect to libvirt");
        d.getDialogPane().setContent(new VBox(8, explain, uri, problem));
        d.getDialogPane().getButtonTypes().addAll(ButtonType.OK, ButtonType.CANCEL);
        Button ok = (Button) d.getDialogPane().lookupButton(ButtonType.OK);
        ok.setId("connect-libvirt-ok");
        ok.addEventFilter(ActionEvent.ACTION, e -> {
            String why = LibvirtController.uriProblem(uri.getEditor().getText());
            problem.setText(why == null ? "" : why);
            if (why != null) {
                e.consume();
            }
        });
        d.setResultConverter(b -> b == ButtonType.OK ? uri.getEditor().getText().strip() : null);
        if (owner.getScene() != null) {
            d.initOwner(owner.getScene().getWindow());
        }
        return d.showAndWait();
    }
}
