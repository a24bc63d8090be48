package dev.migscope.ui.mainwindow;

import dev.migscope.device.Visible;
import dev.migscope.fsm.MigState;
import dev.migscope.qemu.QemuControl;
import dev.migscope.view.DeviceControl;
import dev.migscope.view.DeviceView;
import java.util.Optional;
import javafx.beans.value.ObservableStringValue;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;

/**
 * The status bar: the selected device, its state (red in ERROR), features, whether it is armed,
 * how it is reached, and what it is busy with; on the right, what other parts put there (the
 * progress of a save). FX thread.
 */
public final class StatusBarController {

    private final SelectedDevice selected;
    private final DeviceCalls calls;
    private final ObservableStringValue activity;
    private final Label device = label("status-device");
    private final Label state = label("status-state");
    private final Label features = label("status-features");
    private final Label armed = label("status-armed");
    private final Label access = label("status-access");
    private final Label busy = label("status-busy");
    private final HBox bar;

    /**
     * @param activity what the device list is doing ({@code opening …}), shown instead of the calls queued
     */
    public StatusBarController(SelectedDevice selected, DeviceCalls calls, ObservableStringValue activity) {
        this.selected = selected;
        this.calls = calls;
        this.activity = activity;
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        bar = new HBox(14, device, state, features, armed, access, busy, gap);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.getStyleClass().add("status-bar");
        bar.setId("status-bar");
        selected.onChange(this::refresh);
        activity.addListener((o, a, b) -> refresh());
        refresh();
    }

    private static Label label(String id) {
        Label l = new Label();
        l.setId(id);
        l.getStyleClass().add("status-item");
        // The device's facts keep their width; a long progress text on the right is what gets cut.
        l.setMinWidth(Region.USE_PREF_SIZE);
        return l;
    }

    public Node node() {
        return bar;
    }

    /** Puts {@code n} at the bar's right end. */
    void addRight(Node n) {
        bar.getChildren().add(n);
    }

    private void refresh() {
        DeviceView v = selected.view();
        Optional<DeviceControl> c = selected.control();
        // the selection's QEMU (its node, or one of its devices): its arming is what the bar shows
        Optional<QemuControl> q = selected.qemu();
        device.setText(Visible.of(v == null ? q.map(x -> "QEMU " + x.qemu().name()).orElse("No device")
                : v.id() + v.hostName().map(h -> " on " + h).orElse("")));
        MigState st = selected.stateProperty().get();
        state.setText(st == null ? "state \u2014" : "state " + st);
        state.getStyleClass().remove("status-error");
        if (st == MigState.ERROR) {
            state.getStyleClass().add("status-error");
        }
        boolean isArmed = q.map(QemuControl::isArmed).orElse(c.map(DeviceControl::isArmed).orElse(false));
        features.setText(v == null ? "" : "features " + v.features());
        armed.setText(q.isPresent() ? (isArmed ? "QEMU ARMED" : "QEMU not armed")
                : v == null ? "" : SelectedDevice.disconnected(v) ? "Reconnect to drive it"
                : c.isEmpty() ? "read-only watch" : isArmed ? "ARMED" : "not armed");
        armed.getStyleClass().remove("status-armed");
        if (isArmed) {
            armed.getStyleClass().add("status-armed");
        }
        access.setText(Visible.of(v == null ? "" : SelectedDevice.disconnected(v) ? "disconnected: last known state"
                : v.info().access() != null ? v.info().access()
                : c.isEmpty() ? "watching via debugfs" : v.hostName().isPresent() ? "read-write, over ssh"
                : "read-write"));
        int n = calls.pending();
        busy.setText(!activity.get().isEmpty() ? Visible.of(activity.get())
                : v != null && n > 0 ? "device busy (" + n + " call" + (n == 1 ? "" : "s") + " queued)" : "");
    }
}
