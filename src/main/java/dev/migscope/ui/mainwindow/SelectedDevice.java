package dev.migscope.ui.mainwindow;

import dev.migscope.fsm.MigState;
import dev.migscope.qemu.QemuControl;
import dev.migscope.ui.common.FxTasks;
import dev.migscope.view.DeviceControl;
import dev.migscope.view.DeviceEvent;
import dev.migscope.view.DeviceListener;
import dev.migscope.view.DeviceView;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;

/**
 * The one selection every part of the main window works from, on the FX thread: what the user
 * asked for last ({@link #want}: a device, a QEMU's node, another host's device), the device view
 * shown (null for none) with its state as last read and its events, and the attached QEMU the
 * selection belongs to (its node, or one of its devices). The parts read only the
 * {@link DeviceView}, so a driven, an observed or a remote device shows the same way; what changes
 * a device goes through {@link DeviceView#control()}, what changes a QEMU through {@link #qemu()}.
 * The parts meet here and nowhere else: each one closes what it opened once the user wants
 * something else.
 */
public final class SelectedDevice {

    private final ObjectProperty<DeviceView> view = new SimpleObjectProperty<>(this, "view");
    private final ReadOnlyStringWrapper wanted = new ReadOnlyStringWrapper(this, "wanted");
    private final ObjectProperty<QemuControl> qemu = new SimpleObjectProperty<>(this, "qemu");
    private final ReadOnlyObjectWrapper<MigState> state = new ReadOnlyObjectWrapper<>(this, "state");
    private final List<Consumer<DeviceEvent>> eventHandlers = new ArrayList<>();
    private final List<Runnable> changeHandlers = new ArrayList<>();
    /** The one view listened to, the selected one, and how: its events are handed to the FX thread. */
    private DeviceView listenedTo;
    private DeviceListener listening;

    public SelectedDevice() {
        view.addListener((o, old, v) -> {
            listen(v);
            poll();
            changed();
        });
    }

    private void listen(DeviceView v) {
        if (listenedTo != null) {
            listenedTo.removeListener(listening);
        }
        listenedTo = v;
        listening = v == null ? null : e -> FxTasks.FX.execute(() -> deliver(v, e));
        if (v != null) {
            v.addListener(listening);
        }
    }

    /**
     * The user asked for {@code key} (a device id, {@code HOST/ID} of another host's device, a
     * QEMU's node title; null: nothing): the view shown until the part that opens it sets it is
     * none, and a part whose open completes for another key closes what it opened.
     */
    public void want(String key) {
        wanted.set(key);
        view.set(null);
    }

    /** Whether {@code key} is still what the user asked for last. */
    public boolean wants(String key) {
        return key != null && key.equals(wanted.get());
    }

    /** What the user asked for last (a part listens to close what it opened once another key is wanted). */
    public ReadOnlyStringProperty wantedProperty() {
        return wanted.getReadOnlyProperty();
    }

    /** The attached QEMU the selection belongs to, set by the part that attaches QEMUs; arming and the QEMU menu act on it. */
    public ObjectProperty<QemuControl> qemuProperty() {
        return qemu;
    }

    public Optional<QemuControl> qemu() {
        return Optional.ofNullable(qemu.get());
    }

    public ObjectProperty<DeviceView> viewProperty() {
        return view;
    }

    /** The view shown, or null. */
    public DeviceView view() {
        return view.get();
    }

    /**
     * The selected view's control: empty with no view, a view that cannot be driven, or one that
     * lost its device (a remote device whose host connection ended: Reconnect opens it again as a
     * new view).
     */
    public Optional<DeviceControl> control() {
        DeviceView v = view.get();
        return v == null ? Optional.empty() : v.control();
    }

    /** A device on another host whose view ended with its connection: it shows its last known state only. */
    static boolean disconnected(DeviceView v) {
        return v.isGone() && v.hostName().isPresent();
    }

    /** The selected view's state as of the last {@link #poll} or event (null: none, or unknown). */
    public ReadOnlyObjectProperty<MigState> stateProperty() {
        return state.getReadOnlyProperty();
    }

    /**
     * Reads the view's state: the one way the shown state changes. Once per frame, for what a view
     * learns without an event, and at once for each event of the selected view.
     */
    public void poll() {
        DeviceView v = view.get();
        MigState st = v == null ? null : v.state();
        if (st != state.get()) {
            state.set(st);
            changed();
        }
    }

    /** Events of the selected view, on the FX thread; events of a view no longer selected are dropped. */
    public void onEvent(Consumer<DeviceEvent> handler) {
        eventHandlers.add(handler);
    }

    /**
     * Something the toolbar and the status bar show may have changed: the view, its state, arming,
     * DMA logging, the device gone, the calls queued on it.
     */
    public void onChange(Runnable handler) {
        changeHandlers.add(handler);
    }

    /** Tells the {@link #onChange} handlers. */
    public void changed() {
        for (Runnable r : changeHandlers) {
            r.run();
        }
    }

    private void deliver(DeviceView source, DeviceEvent e) {
        if (source != view.get()) {
            return;
        }
        // Every view sets its state before it emits, so this reads the event's final state or a newer
        // one: the graph shows it in the coming pulse and never steps back to an older queued event's.
        poll();
        for (Consumer<DeviceEvent> h : eventHandlers) {
            h.accept(e);
        }
        if (e.kind() == DeviceEvent.Kind.DMA_LOGGING || e.kind() == DeviceEvent.Kind.DEVICE_GONE) {
            changed();
        }
    }
}
