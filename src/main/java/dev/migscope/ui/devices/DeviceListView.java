package dev.migscope.ui.devices;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.fsm.MigState;
import dev.migscope.ui.common.Tooltips;
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
 * The device list: real devices, then simulated ones, each under a heading; a filter box matches
 * id, driver, name, features and state. Selecting a device only reports it: the window opens it.
 */
public final class DeviceListView extends VBox {

    /** A row: a group heading or a device. */
    private sealed interface Row permits Heading, Device {
    }

    private record Heading(String title) implements Row {
    }

    private record Device(DeviceInfo info) implements Row {
    }

    private final TextField filter = new TextField();
    private final ListView<Row> list = new ListView<>();
    private final ReadOnlyObjectWrapper<DeviceInfo> selected = new ReadOnlyObjectWrapper<>(this, "selected");
    private List<DeviceInfo> devices = List.of();
    private Consumer<DeviceInfo> onSelect = d -> { };
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

    /** Selects a device by id (keyboard users, tests, {@code screenshot --device}). */
    public boolean select(String id) {
        for (Row r : list.getItems()) {
            if (r instanceof Device d && d.info().id().equals(id)) {
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

    /** The device ids shown after filtering, in order. */
    public List<String> shownIds() {
        return list.getItems().stream().filter(r -> r instanceof Device).map(r -> ((Device) r).info().id()).toList();
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
        DeviceInfo keep = selected.get();
        rebuilding = true;
        try {
            list.getItems().setAll(rows);
            if (keep != null) {
                for (Row r : rows) {
                    if (r instanceof Device d && d.info().id().equals(keep.id())) {
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

    private static final class DeviceCell extends ListCell<Row> {
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
            getStyleClass().removeAll("device-heading", "device-row", "device-busy", "device-error");
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
            } else if (item instanceof Device dev) {
                DeviceInfo d = dev.info();
                name.setText(d.id());
                StringBuilder sb = new StringBuilder(d.driver());
                d.knownState().ifPresent(s -> sb.append("  \u00b7  ").append(s));
                sb.append("\n").append(d.knownFeatures().map(Object::toString).orElse("features unknown"));
                d.ownerIfBusy().ifPresent(o -> sb.append(o.pid() == ProcessHandle.current().pid()
                        ? "\nopen in this window" : "\nbusy: held by " + o));
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
