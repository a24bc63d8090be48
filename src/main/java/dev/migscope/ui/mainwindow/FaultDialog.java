package dev.migscope.ui.mainwindow;

import dev.migscope.device.Errno;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import java.util.List;
import java.util.Optional;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.layout.GridPane;
import javafx.stage.Window;

/** Asks which arc of a simulated device should fail, with which errno, and whether into ERROR. */
final class FaultDialog {

    /** What the user chose. */
    record Fault(Arc arc, Errno errno, boolean leaveInError) {
    }

    /** The errnos real drivers return from a failed SET. */
    static final List<Errno> ERRNOS = List.of(Errno.EIO, Errno.EINVAL, Errno.EBUSY, Errno.ENOMEM, Errno.ETIMEDOUT,
            Errno.ENODEV);

    private FaultDialog() {
    }

    static Optional<Fault> ask(MigFeatures features, MigState current, Window owner) {
        Dialog<Fault> d = new Dialog<>();
        d.setTitle("Inject fault");
        d.setHeaderText("The next SET over the chosen arc fails with the chosen errno.");
        if (owner != null) {
            d.initOwner(owner);
            d.getDialogPane().getStylesheets().setAll(owner.getScene().getStylesheets());
        }
        ComboBox<Arc> arc = new ComboBox<>();
        List<Arc> arcs = MigrationFsm.directArcs(features).stream().toList();
        arc.getItems().setAll(arcs);
        arc.setValue(arcs.stream().filter(a -> a.from() == current).findFirst().orElse(arcs.get(0)));
        ComboBox<Errno> errno = new ComboBox<>();
        errno.getItems().setAll(ERRNOS);
        errno.setValue(Errno.EIO);
        CheckBox leave = new CheckBox("Leave the device in ERROR (the driver could not go back)");
        leave.setSelected(true);
        GridPane g = new GridPane();
        g.setHgap(8);
        g.setVgap(8);
        g.addRow(0, new Label("Arc"), arc);
        g.addRow(1, new Label("errno"), errno);
        g.add(leave, 0, 2, 2, 1);
        d.getDialogPane().setContent(g);
        d.getDialogPane().getButtonTypes().setAll(ButtonType.OK, ButtonType.CANCEL);
        d.setResultConverter(b -> b == ButtonType.OK ? new Fault(arc.getValue(), errno.getValue(), leave.isSelected())
                : null);
        return d.showAndWait();
    }
}
