package dev.migscope.ui.mainwindow;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.VfioException;
import dev.migscope.session.MigrationSession;
import dev.migscope.session.SessionOptions;
import dev.migscope.ui.common.FxTasks;
import dev.migscope.ui.devices.DeviceListView;
import dev.migscope.ui.log.EventLogView;
import dev.migscope.view.DeviceView;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

/**
 * The device list and the session the window opens: listing (off the FX thread), opening a device
 * when the user picks one, and the race when the user picks another before the first is open: the
 * open that completes for a device no longer wanted is closed again. An open device's session
 * becomes the {@link SelectedDevice}'s view. FX thread.
 */
public final class DeviceListController {

    public static final String RESCAN = "rescan";

    private final DeviceListView list;
    private final DeviceRegistry registry;
    /** The template for each session the window opens (armed is decided per device). */
    private final SessionOptions baseOptions;
    private final SelectedDevice selected;
    private final EventLogView log;
    private final FxTasks tasks;
    /** Devices no listing shows that were opened by id (the broken simulated drivers): listed in this window. */
    private final List<DeviceInfo> openedById = new ArrayList<>();
    private final ReadOnlyStringWrapper activity = new ReadOnlyStringWrapper(this, "activity", "");

    /** The session this window opened here; closed once the user wants anything else. */
    private MigrationSession session;
    private CompletableFuture<MigrationSession> opening;

    public DeviceListController(DeviceListView list, DeviceRegistry registry, SessionOptions baseOptions,
                                SelectedDevice selected, EventLogView log, FxTasks tasks) {
        this.list = list;
        this.registry = registry;
        this.baseOptions = baseOptions;
        this.selected = selected;
        this.log = log;
        this.tasks = tasks;
        list.setOnSelect(d -> open(d.id()));
        list.setOnSelectObserved(this::showObserved);
        selected.wantedProperty().addListener((o, was, key) -> {
            MigrationSession old = session;
            if (old != null && !old.id().equals(key)) {
                session = null;
                tasks.execute(old::close);
            }
        });
        selected.stateProperty().addListener((o, was, st) -> {
            DeviceView v = selected.view();
            if (v != null && v == session) {
                list.update(v.info().withState(st));
            } else if (v != null) {
                list.refreshRows();
            }
        });
    }

    /**
     * Lists devices again (sysfs scans may block: not on the FX thread). Any thread may call it
     * (the screenshot command does): the list is updated on the FX thread even when the listing
     * completed before this chained on it.
     */
    public CompletableFuture<List<DeviceInfo>> rescan() {
        return tasks.supply(registry::list).whenCompleteAsync((listed, err) -> {
            if (err != null) {
                log.problem("listing devices failed: " + VfioException.describe(err));
            } else {
                list.setDevices(withOpenedById(listed));
                if (listed.isEmpty()) {
                    log.note("no devices found");
                }
            }
        }, FxTasks.FX);
    }

    /** Selects {@code id} in the list and opens it, as a click would. */
    public CompletableFuture<MigrationSession> show(String id) {
        list.select(id);
        return open(id);
    }

    private List<DeviceInfo> withOpenedById(List<DeviceInfo> listed) {
        List<DeviceInfo> all = new ArrayList<>(listed);
        for (DeviceInfo d : openedById) {
            if (listed.stream().noneMatch(l -> l.id().equals(d.id()))) {
                all.add(d);
            }
        }
        return all;
    }

    /**
     * Opens a device (closing the previous one) and makes it the selected view. Simulated devices
     * start armed; real ones never do.
     */
    public CompletableFuture<MigrationSession> open(String id) {
        if (session != null && session.id().equals(id)) {
            return CompletableFuture.completedFuture(session);
        }
        if (selected.wants(id) && opening != null) {
            return opening;
        }
        selected.want(id);
        Optional<DeviceInfo> listed = list.devices().stream().filter(d -> d.id().equals(id)).findFirst();
        boolean sim = listed.map(d -> d.kind() == DeviceKind.SIM).orElse(id.startsWith("sim:"));
        log.note("opening " + id + (sim ? " (simulated: armed)" : " (not armed: Ctrl+A arms it)"));
        activity.set("opening " + id + "\u2026");
        SessionOptions options = baseOptions.withArmed(sim);
        CompletableFuture<MigrationSession> shown = new CompletableFuture<>();
        opening = shown;
        tasks.supply(() -> {
            try {
                return MigrationSession.open(registry, id, options);
            } catch (VfioException e) {
                throw new CompletionException(e);
            }
        }).whenComplete((s, err) -> {
            if (opening == shown) {
                opening = null;
            }
            if (!selected.wants(id)) {
                if (s != null) {
                    tasks.execute(s::close);
                }
                shown.completeExceptionally(new IllegalStateException("another device was selected"));
                return;
            }
            activity.set("");
            if (err != null) {
                log.problem(VfioException.describe(err));
                shown.completeExceptionally(err);
                return;
            }
            attach(s);
            shown.complete(s);
        });
        return shown;
    }

    /**
     * Closes the window's session so that another user of the device (a conformance run, which
     * opens it exclusively) can open it; the list is locked until {@link #reopen}. Completes, on
     * the FX thread, once the device is closed.
     */
    public CompletableFuture<Void> release() {
        MigrationSession old = session;
        session = null;
        selected.want(null);
        list.setDisable(true);
        if (old == null) {
            return CompletableFuture.completedFuture(null);
        }
        log.note("closed " + old.id() + " for the conformance run");
        return tasks.supply(() -> {
            old.close();
            return null;
        });
    }

    /** Unlocks the list and opens {@code id} again. */
    public CompletableFuture<MigrationSession> reopen(String id) {
        list.setDisable(false);
        return open(id);
    }

    /**
     * Shows a device an attached QEMU migrates (closing the window's session): a read-only view,
     * so the driving actions are off.
     */
    public void showObserved(DeviceView v) {
        if (selected.view() == v) {
            return;
        }
        selected.want(v.id());
        selected.viewProperty().set(v);
        log.note("showing " + v.info().displayName() + " (" + v.id() + "): followed over QMP, read-only; state "
                + v.state());
    }

    private void attach(MigrationSession s) {
        session = s;
        if (list.devices().stream().noneMatch(d -> d.id().equals(s.id()))) {
            openedById.add(s.info());
            list.setDevices(withOpenedById(list.devices()));
            list.select(s.id());
        }
        selected.viewProperty().set(s);
        log.note("opened " + s.id() + ": " + s.info().displayName() + ", features " + s.features()
                + ", state " + s.state() + (s.isDmaLoggingSupported() ? ", DMA logging supported" : ""));
    }

    /** The session the window opened and owns, or null. */
    public MigrationSession session() {
        return session;
    }

    /** What the list is doing that the status bar should say ({@code opening sim:pds-0…}), or empty. */
    public ReadOnlyStringProperty activityProperty() {
        return activity.getReadOnlyProperty();
    }

    /** Closes the session (off the FX thread); what it still reports is no longer shown. */
    public void dispose() {
        selected.want(null);
    }

    public void publishTo(Commands commands) {
        commands.publish(new Commands.Command(RESCAN, "Rescan devices", "F5", "List the devices again (F5)", false,
                this::rescan));
    }
}
