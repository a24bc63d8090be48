package dev.migscope.ui.devices;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.fsm.MigState;
import dev.migscope.ui.common.Tooltips;
import dev.migscope.view.DeviceView;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/**
 * The device list: real devices, then simulated ones, each under a heading, then each attached
 * QEMU as a node with the VFIO devices it migrates below it; a filter box matches id, driver,
 * name, features and state. Selecting a device only reports it: the window opens it, or shows
 * the attached QEMU's device.
 */
public final class DeviceListView extends VBox {

    /** A row: a group heading, a device, an attached QEMU or a device it migrates. */
    private sealed interface Row permits Heading, Device, Qemu, Observed {
    }

    private record Heading(String title) implements Row {
    }

    private record Device(DeviceInfo info) implements Row {
    }

    private record Qemu(Attached qemu) implements Row {
    }

    private record Observed(DeviceView view) implements Row {
    }

    /**
     * An attached QEMU, a node of the list.
     *
     * @param title   {@code QEMU vm1}
     * @param detail  its version, role and pid when known, its socket
     * @param devices its VFIO devices, as the window shows them
     */
    public record Attached(String title, String detail, List<DeviceView> devices) {
        public Attached {
            devices = List.copyOf(devices);
        }
    }

    /** How an armed QEMU's node detail begins; the node is then drawn armed. */
    public static final String ARMED = "ARMED";

    private final TextField filter = new TextField();
    private final ListView<Row> list = new ListView<>();
    private final ReadOnlyObjectWrapper<DeviceInfo> selected = new ReadOnlyObjectWrapper<>(this, "selected");
    private List<DeviceInfo> devices = List.of();
    private List<Attached> attached = List.of();
    private Consumer<DeviceInfo> onSelect = d -> { };
    private Consumer<DeviceView> onSelectObserved = v -> { };
    private Consumer<Attached> onSelectQemu = n -> { };
    private boolean rebuilding;

    public DeviceListView() {
        getStyleClass().add("device-list");
        setId("device-list");
        Label title = new Label("Devices");
        title.getStyleClass().add("pane-title");
        filter.setId("device-filter");
        filter.setPromptText("Filter: id, driver, feature, state");
        Tooltips.install(filter, "Show only devices whose id, driver, name, features or state contain this");
        filter.textProperty().addListener((o, a, b) -> rebuild());
        list.setId("device-rows");
        list.setCellFactory(v -> new DeviceCell());
        list.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            if (rebuilding) {
                return;
            }
            if (b instanceof Device d) {
                selected.set(d.info());
                onSelect.accept(d.info());
            } else if (b instanceof Observed obs) {
                selected.set(null);
                onSelectObserved.accept(obs.view());
            } else if (b instanceof Qemu n) {
                selected.set(null);
                onSelectQemu.accept(n.qemu());
            } else if (b instanceof Heading) {
                list.getSelectionModel().select(a);
            }
        });
        VBox.setVgrow(list, Priority.ALWAYS);
        setSpacing(6);
        setPadding(new Insets(8));
        getChildren().addAll(title, filter, list);
    }

    public void setOnSelect(Consumer<DeviceInfo> handler) {
        this.onSelect = handler == null ? d -> { } : handler;
    }

    /** What selecting a device of an attached QEMU does. */
    public void setOnSelectObserved(Consumer<DeviceView> handler) {
        this.onSelectObserved = handler == null ? v -> { } : handler;
    }

    /** What selecting an attached QEMU's node does. */
    public void setOnSelectQemu(Consumer<Attached> handler) {
        this.onSelectQemu = handler == null ? n -> { } : handler;
    }

    /** Replaces the attached QEMUs and their devices. FX thread. */
    public void setAttached(List<Attached> all) {
        this.attached = List.copyOf(all);
        rebuild();
    }

    /** Draws the rows again: an attached QEMU's device changed state. */
    public void refreshRows() {
        list.refresh();
    }

    /** Replaces the listing (after a scan). FX thread. */
    public void setDevices(List<DeviceInfo> all) {
        this.devices = List.copyOf(all);
        rebuild();
    }

    /** Shows a newer state (or owner) of one device without rescanning. */
    public void update(DeviceInfo info) {
        List<DeviceInfo> next = new ArrayList<>();
        for (DeviceInfo d : devices) {
            next.add(d.id().equals(info.id()) ? info : d);
        }
        devices = next;
        rebuild();
    }

    /**
     * Selects a device by id (keyboard users, tests, {@code screenshot --device}): a listed
     * device's id, an attached QEMU's device's view id, or an attached QEMU's node title.
     */
    public boolean select(String id) {
        for (Row r : list.getItems()) {
            if (r instanceof Device d && d.info().id().equals(id)
                    || r instanceof Observed o && o.view().id().equals(id)
                    || r instanceof Qemu n && n.qemu().title().equals(id)) {
                list.getSelectionModel().select(r);
                list.scrollTo(r);
                return true;
            }
        }
        return false;
    }

    public ReadOnlyObjectProperty<DeviceInfo> selectedProperty() {
        return selected.getReadOnlyProperty();
    }

    public List<DeviceInfo> devices() {
        return devices;
    }

    public TextField filterField() {
        return filter;
    }

    /** The device ids shown after filtering, in order (an attached QEMU's devices by view id). */
    public List<String> shownIds() {
        List<String> ids = new ArrayList<>();
        for (Row r : list.getItems()) {
            if (r instanceof Device d) {
                ids.add(d.info().id());
            } else if (r instanceof Observed o) {
                ids.add(o.view().id());
            }
        }
        return ids;
    }

    /** The attached QEMUs' nodes shown, as their titles say. */
    public List<String> shownQemus() {
        return list.getItems().stream().filter(r -> r instanceof Qemu).map(r -> ((Qemu) r).qemu().title()).toList();
    }

    private void rebuild() {
        String q = filter.getText() == null ? "" : filter.getText().trim().toLowerCase(Locale.ROOT);
        List<Row> rows = new ArrayList<>();
        List<DeviceInfo> real = devices.stream().filter(d -> d.kind() != DeviceKind.SIM && matches(d, q)).toList();
        List<DeviceInfo> sim = devices.stream().filter(d -> d.kind() == DeviceKind.SIM && matches(d, q)).toList();
        if (!real.isEmpty()) {
            rows.add(new Heading("Real devices (" + real.size() + ")"));
            real.forEach(d -> rows.add(new Device(d)));
        }
        if (!sim.isEmpty()) {
            rows.add(new Heading("Simulated devices (" + sim.size() + ")"));
            sim.forEach(d -> rows.add(new Device(d)));
        }
        for (Attached a : attached) {
            rows.add(new Qemu(a));
            a.devices().stream().filter(v -> matches(v.info(), q)).forEach(v -> rows.add(new Observed(v)));
        }
        Row was = list.getSelectionModel().getSelectedItem();
        Object keep = selected.get() != null ? selected.get().id() : was instanceof Observed o ? o.view()
                : was instanceof Qemu n ? n.qemu().title() : null;
        rebuilding = true;
        try {
            list.getItems().setAll(rows);
            if (keep != null) {
                for (Row r : rows) {
                    if (r instanceof Device d && d.info().id().equals(keep)
                            || r instanceof Observed o && o.view() == keep
                            || r instanceof Qemu n && n.qemu().title().equals(keep)) {
                        list.getSelectionModel().select(r);
                    }
                }
            }
        } finally {
            rebuilding = false;
        }
    }

    private static boolean matches(DeviceInfo d, String q) {
        if (q.isEmpty()) {
            return true;
        }
        String hay = String.join(" ", d.id(), d.driver(), d.displayName(),
                d.knownFeatures().map(Object::toString).orElse(""),
                d.knownState().map(MigState::name).orElse(""),
                d.ownerIfBusy().map(Object::toString).orElse("")).toLowerCase(Locale.ROOT);
        return hay.contains(q);
    }

    /** The host ids of the devices an attached QEMU migrates: their own entries say so. */
    private boolean heldByAttached(DeviceInfo d) {
        return attached.stream().flatMap(a -> a.devices().stream()).anyMatch(v -> v.info().id().equals(d.id()));
    }

    private final class DeviceCell extends ListCell<Row> {
        private final Label name = new Label();
        private final Label detail = new Label();
        private final VBox box = new VBox(1, name, detail);

        DeviceCell() {
            name.getStyleClass().add("device-name");
            detail.getStyleClass().add("device-detail");
        }

        @Override
        protected void updateItem(Row item, boolean empty) {
            super.updateItem(item, empty);
            getStyleClass().removeAll("device-heading", "device-row", "device-busy", "device-error", "qemu-node",
                    "qemu-armed", "device-observed");
            setText(null);
            setTooltip(null);
            if (empty || item == null) {
                setGraphic(null);
                setDisable(false);
            } else if (item instanceof Heading h) {
                Label l = new Label(h.title());
                l.getStyleClass().add("heading-text");
                setGraphic(l);
                getStyleClass().add("device-heading");
            } else if (item instanceof Qemu node) {
                name.setText(node.qemu().title());
                detail.setText(node.qemu().detail() + (node.qemu().devices().isEmpty() ? "\nno vfio-pci device" : ""));
                setGraphic(box);
                getStyleClass().add("qemu-node");
                if (node.qemu().detail().startsWith(ARMED)) {
                    getStyleClass().add("qemu-armed");
                }
            } else if (item instanceof Observed o) {
                DeviceInfo d = o.view().info();
                name.setText(d.displayName());
                detail.setText(d.id() + "  \u00b7  " + o.view().state()
                        + (o.view().isGone() ? "  \u00b7  QEMU gone" : "")
                        + "\n" + d.knownFeatures().map(Object::toString).orElse("features unknown")
                        + "\nfollowed over QMP (read-only)");
                setGraphic(box);
                getStyleClass().addAll("device-row", "device-observed");
            } else if (item instanceof Device dev) {
                DeviceInfo d = dev.info();
                name.setText(d.id());
                StringBuilder sb = new StringBuilder(d.driver());
                d.knownState().ifPresent(s -> sb.append("  \u00b7  ").append(s));
                sb.append("\n").append(d.knownFeatures().map(Object::toString).orElse("features unknown"));
                boolean attachedHolder = heldByAttached(d);
                d.ownerIfBusy().ifPresentOrElse(o -> sb.append(o.pid() == ProcessHandle.current().pid()
                        ? "\nopen in this window" : attachedHolder
                        ? "\nheld by " + o.command() + ", pid " + o.pid() + " (attached)" : "\nbusy: held by " + o),
                        () -> sb.append(attachedHolder ? "\nheld by an attached QEMU (attached)" : ""));
                if (d.access() != null) {
                    sb.append("\n").append(d.access());
                }
                detail.setText(sb.toString());
                setGraphic(box);
                getStyleClass().add("device-row");
                if (d.owner() != null && d.owner().pid() != ProcessHandle.current().pid()) {
                    getStyleClass().add("device-busy");
                }
                if (d.state() == MigState.ERROR) {
                    getStyleClass().add("device-error");
                }
                Tooltip t = new Tooltip(d.displayName() + "\n" + d.id()
                        + (d.iommuGroup() != null ? "\nIOMMU group " + d.iommuGroup() : "")
                        + (d.cdev() != null ? "\n" + d.cdev() : "")
                        + (d.access() != null ? "\n" + d.access() : ""));
                t.setWrapText(true);
                t.setMaxWidth(420);
                setTooltip(t);
            }
        }
    }
}
