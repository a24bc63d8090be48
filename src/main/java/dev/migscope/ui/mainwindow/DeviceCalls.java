package dev.migscope.ui.mainwindow;

import dev.migscope.device.VfioException;
import dev.migscope.ui.common.FxTasks;
import dev.migscope.ui.log.EventLogView;
import dev.migscope.view.DeviceControl;
import dev.migscope.view.DeviceView;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The calls the window makes on the selected device, through its control: each is counted while
 * queued (the status bar says the device is busy), its failure logged, and its result handed to
 * the FX thread. FX thread.
 */
public final class DeviceCalls {

    private final SelectedDevice selected;
    private final EventLogView log;
    private int pending;

    public DeviceCalls(SelectedDevice selected, EventLogView log) {
        this.selected = selected;
        this.log = log;
    }

    /** The selected device's control; when there is none, says why in the log. */
    public Optional<DeviceControl> control() {
        DeviceView v = selected.view();
        if (v == null) {
            log.problem("select a device first");
        } else if (SelectedDevice.disconnected(v)) {
            String host = v.hostName().orElseThrow();
            log.problem(v.id() + " on " + host + ": disconnected; Reconnect (right-click " + host
                    + ") connects again");
        } else if (v.control().isEmpty()) {
            log.problem(v.id() + " is a read-only view: nothing here can change it");
        }
        return selected.control();
    }

    /** Counts {@code call} until it completes; the returned future completes on the FX thread. */
    public <T> CompletableFuture<T> track(CompletableFuture<T> call) {
        pending++;
        selected.changed();
        return FxTasks.onFx(call).whenComplete((r, err) -> {
            pending--;
            if (err != null) {
                log.problem(VfioException.describe(err));
            }
            selected.changed();
        });
    }

    /** Calls queued and not yet answered. */
    public int pending() {
        return pending;
    }
}
