package dev.migscope.ui.devices;

import dev.migscope.device.Visible;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.fsm.MigState;
import dev.migscope.host.LocalHost;
import dev.migscope.ui.common.Tooltips;
import dev.migscope.view.DeviceView;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.geometry.Insets;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.MenuItem;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/**
 * The device list: real devices, then simulated ones, each under a heading, then nodes that are
 * not this host's own devices (an attached QEMU with the VFIO devices it migrates, another host
 * with its devices) with their devices below them; a filter box matches id, driver, name,
 * features and state. Selecting a device only reports it: the window opens it, or shows the
 * attached QEMU's device.
 */
public final class DeviceListView extends VBox {

    /** A row: a group heading, a device, a node (an attached QEMU, a host), a view or a member under a node. */
    private sealed interface Row permits ThisHost, Heading, Device, Qemu, Observed, Listed {
    }

    /** This machine's node: its devices and the QEMUs attached here are listed under it. */
    private record ThisHost() implements Row {
    }

    private record Heading(String title) implements Row {
    }

    private record Device(DeviceInfo info) implements Row {
    }

    /** A node, and the owner whose handlers its selection (and its members') goes to. */
    private record Qemu(Attached qemu, String owner) implements Row {
    }

    private record Observed(DeviceView view) implements Row {
    }

    private record Listed(Member member, String owner) implements Row {
    }

    /**
     * A node of the list: an attached QEMU, or another host.
     *
     * @param title      {@code QEMU vm1}, {@code root@lab7}
     * @param detail     what it is: version, role, socket; kernel; or why it is not connected
     * @param devices    its devices as views the window shows when selected (an attached QEMU's)
     * @param members    its devices as rows whose selection the node's owner handles (another host's)
     * @param actions    its context menu (Reconnect, Disconnect)
     * @param styleClass the node row's style class
     */
    public record Attached(String title, String detail, List<DeviceView> devices, List<Member> members,
            List<NodeAction> actions, String styleClass) {
        public Attached {
            devices = List.copyOf(devices);
            members = List.copyOf(members);
            actions = List.copyOf(actions);
        }

        /** An attached QEMU's node. */
        public Attached(String title, String detail, List<DeviceView> devices) {
            this(title, detail + (devices.isEmpty() ? "\nno vfio-pci device" : ""), devices, List.of(), List.of(),
                    "qemu-node");
        }
    }

    /**
     * A device under a node, selected through {@link #setOnSelectMember}.
     *
     * @param id     its id in this list, unique across nodes ({@code root@lab7/0000:3b:00.1})
     * @param info   what its node last listed of it (the filter matches it)
     * @param detail the lines under its name, read each time the row is drawn
     */
    public record Member(String id, DeviceInfo info, Supplier<String> detail) {
    }

    /** An entry of a node's context menu. */
    public record NodeAction(String label, Runnable action) {
    }

    /** The style class of another host's node (its members listed under it). */
    public static final String HOST_NODE = "host-node";

    /** How an armed QEMU's node detail begins; the node is then drawn armed. */
    public static final String ARMED = "ARMED";

    private final TextField filter = new TextField();
    private final ListView<Row> list = new ListView<>();
    private final ReadOnlyObjectWrapper<DeviceInfo> selected = new ReadOnlyObjectWrapper<>(this, "selected");
    private List<DeviceInfo> devices = List.of();
    /** This machine's node detail: its kernel and migscope version. */
    private String thisHost = "";
    /** Nodes by who owns them (the QEMUs, the hosts), each owner replacing only its own. */
    private final Map<String, List<Attached>> attached = new LinkedHashMap<>();
    private Consumer<DeviceInfo> onSelect = d -> { };
    private Consumer<DeviceView> onSelectObserved = v -> { };
    /** What selecting a member, or a node, does: by the owner of the node (the hosts, the streams). */
    private final Map<String, Consumer<Member>> onSelectMember = new HashMap<>();
    private final Map<String, Predicate<Attached>> onSelectNode = new HashMap<>();
    private boolean rebuilding;
    /** The cells the list made (it may make new ones and drop old ones): {@link #refreshRows} updates them. */
    private final Set<DeviceCell> cells = Collections.newSetFromMap(new WeakHashMap<>());

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
            } else if (b instanceof Listed l) {
                selected.set(null);
                onSelectMember.getOrDefault(l.owner(), m -> { }).accept(l.member());
            } else if (b instanceof Qemu n && onSelectNode.getOrDefault(n.owner(), x -> false).test(n.qemu())) {
                selected.set(null);
            } else if (b instanceof Heading || b instanceof Qemu) {
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

    /** What selecting a device under one of {@code owner}'s nodes ({@link Attached#members}) does. */
    public void setOnSelectMember(String owner, Consumer<Member> handler) {
        onSelectMember.put(owner, handler);
    }

    /**
     * What selecting one of {@code owner}'s nodes does: true when the window now shows it (an
     * attached QEMU's report, a stream); false, and the selection goes back to the row selected before.
     */
    public void setOnSelectNode(String owner, Predicate<Attached> handler) {
        onSelectNode.put(owner, handler);
    }

    /** Replaces the nodes {@code owner} shows, leaving other owners' nodes. FX thread. */
    public void setAttached(String owner, List<Attached> all) {
        attached.put(owner, List.copyOf(all));
        rebuild();
    }

    /**
     * Shows the nodes' devices' states again (an attached QEMU's device, another host's): only the
     * detail line of the cells that show one changes. A refresh of the whole list rebuilt every
     * cell (style, tooltip, layout) in the very pulse that must also show the state in the graph.
     */
    public void refreshRows() {
        for (DeviceCell c : cells) {
            if (!c.isEmpty() && c.getItem() instanceof Observed o) {
                c.detail.setText(Visible.lines(observedDetail(o.view())));
            } else if (!c.isEmpty() && c.getItem() instanceof Listed l) {
                c.detail.setText(Visible.lines(l.member().detail().get()));
            }
        }
    }

    /** What a host's node says of it first, this machine's as another's. */
    public static String identity(String kernel, String migscopeVersion) {
        return "Linux " + kernel + ", migscope " + migscopeVersion;
    }

    /** What this machine's node says of it: its kernel and migscope version. FX thread. */
    public void setThisHost(String detail) {
        thisHost = detail;
        rebuild();
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
                    || r instanceof Listed l && l.member().id().equals(id)
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
            } else if (r instanceof Listed l) {
                ids.add(l.member().id());
            }
        }
        return ids;
    }

    /** The attached QEMUs' nodes shown, as their titles say. */
    public List<String> shownQemus() {
        return shownNodes("qemu-node");
    }

    /** The nodes of a style class shown, as their titles say. */
    public List<String> shownNodes(String styleClass) {
        return list.getItems().stream().filter(r -> r instanceof Qemu q && q.qemu().styleClass().equals(styleClass))
                .map(r -> ((Qemu) r).qemu().title()).toList();
    }

    private void rebuild() {
        String q = filter.getText() == null ? "" : filter.getText().trim().toLowerCase(Locale.ROOT);
        List<Row> rows = new ArrayList<>();
        rows.add(new ThisHost());
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
        // The QEMUs attached here belong under this machine; each other host is a node of its own.
        for (boolean hosts : new boolean[] {false, true}) {
            attached.forEach((owner, nodes) -> nodes.stream().filter(a -> HOST_NODE.equals(a.styleClass()) == hosts)
                    .forEach(a -> {
                        rows.add(new Qemu(a, owner));
                        a.devices().stream().filter(v -> matches(v.info(), q)).forEach(v -> rows.add(new Observed(v)));
                        a.members().stream().filter(m -> matches(m.info(), q))
                                .forEach(m -> rows.add(new Listed(m, owner)));
                    }));
        }
        Row was = list.getSelectionModel().getSelectedItem();
        Object keep = selected.get() != null ? selected.get().id() : was instanceof Observed o ? o.view()
                : was instanceof Listed l ? l.member().id() : was instanceof Qemu n ? n.qemu().title() : null;
        rebuilding = true;
        try {
            list.getItems().setAll(rows);
            if (keep != null) {
                for (Row r : rows) {
                    if (r instanceof Device d && d.info().id().equals(keep)
                            || r instanceof Observed o && o.view() == keep
                            || r instanceof Listed l && l.member().id().equals(keep)
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

    private List<Attached> nodes() {
        return attached.values().stream().flatMap(List::stream).toList();
    }

    /** The host ids of the devices an attached QEMU migrates: their own entries say so. */
    private boolean heldByAttached(DeviceInfo d) {
        return nodes().stream().flatMap(a -> a.devices().stream()).anyMatch(v -> v.info().id().equals(d.id()));
    }

    private static String observedDetail(DeviceView v) {
        DeviceInfo d = v.info();
        return d.id() + "  \u00b7  " + v.state() + (v.isGone() ? "  \u00b7  QEMU gone" : "")
                + "\n" + d.knownFeatures().map(Object::toString).orElse("features unknown")
                + (d.access() != null ? "\n" + d.access() : "");
    }

    private final class DeviceCell extends ListCell<Row> {
        private final Label name = new Label();
        private final Label detail = new Label();
        private final VBox box = new VBox(1, name, detail);
        /** The style class of the node this cell last drew, removed when it draws another row. */
        private String nodeClass;

        DeviceCell() {
            cells.add(this);
            name.getStyleClass().add("device-name");
            detail.getStyleClass().add("device-detail");
        }

        @Override
        protected void updateItem(Row item, boolean empty) {
            super.updateItem(item, empty);
            getStyleClass().removeAll("device-heading", "device-row", "device-busy", "device-error",
                    "device-observed", "device-member", "qemu-armed", "local-host-node", "under-host");
            if (nodeClass != null) {
                getStyleClass().remove(nodeClass);
                nodeClass = null;
            }
            setText(null);
            setTooltip(null);
            setContextMenu(null);
            if (empty || item == null) {
                setGraphic(null);
                setDisable(false);
            } else if (item instanceof ThisHost) {
                name.setText(LocalHost.NAME);
                detail.setText(thisHost);
                setGraphic(box);
                getStyleClass().add("local-host-node");
            } else if (item instanceof Heading h) {
                Label l = new Label(Visible.of(h.title()));
                l.getStyleClass().add("heading-text");
                setGraphic(l);
                getStyleClass().add("device-heading");
            } else if (item instanceof Qemu node) {
                name.setText(Visible.of(node.qemu().title()));
                detail.setText(Visible.lines(node.qemu().detail()));
                setGraphic(box);
                nodeClass = node.qemu().styleClass();
                getStyleClass().add(nodeClass);
                if (node.qemu().detail().startsWith(ARMED)) {
                    getStyleClass().add("qemu-armed");
                }
                if (!node.qemu().actions().isEmpty()) {
                    ContextMenu menu = new ContextMenu();
                    for (NodeAction a : node.qemu().actions()) {
                        MenuItem m = new MenuItem(a.label());
                        m.setOnAction(e -> a.action().run());
                        menu.getItems().add(m);
                    }
                    setContextMenu(menu);
                }
            } else if (item instanceof Listed l) {
                name.setText(Visible.of(l.member().info().id()));
                detail.setText(Visible.lines(l.member().detail().get()));
                setGraphic(box);
                getStyleClass().addAll("device-row", "device-member");
            } else if (item instanceof Observed o) {
                name.setText(Visible.of(o.view().info().displayName()));
                detail.setText(Visible.lines(observedDetail(o.view())));
                setGraphic(box);
                getStyleClass().addAll("device-row", "device-observed");
            } else if (item instanceof Device dev) {
                DeviceInfo d = dev.info();
                name.setText(Visible.of(d.id()));
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
                detail.setText(Visible.lines(sb.toString()));
                setGraphic(box);
                getStyleClass().add("device-row");
                if (d.owner() != null && d.owner().pid() != ProcessHandle.current().pid()) {
                    getStyleClass().add("device-busy");
                }
                if (d.state() == MigState.ERROR) {
                    getStyleClass().add("device-error");
                }
                Tooltip t = new Tooltip(Visible.lines(d.displayName() + "\n" + d.id()
                        + (d.iommuGroup() != null ? "\nIOMMU group " + d.iommuGroup() : "")
                        + (d.cdev() != null ? "\n" + d.cdev() : "")
                        + (d.access() != null ? "\n" + d.access() : "")));
                t.setWrapText(true);
                t.setMaxWidth(420);
                setTooltip(t);
            }
            // Everything but the hosts' own nodes is listed under a host: this machine, or another one.
            if (!empty && item != null && !(item instanceof ThisHost)
                    && !(item instanceof Qemu n && HOST_NODE.equals(n.qemu().styleClass()))) {
                getStyleClass().add("under-host");
            }
        }
    }
}
