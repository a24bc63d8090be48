package dev.migscope.ui.streams;

import dev.migscope.device.Visible;
import dev.migscope.stream.LibvirtSaveHeader;
import dev.migscope.stream.QemuStreamFile;
import dev.migscope.stream.Section;
import dev.migscope.stream.SectionType;
import dev.migscope.stream.StreamReport;
import dev.migscope.stream.StreamSummary;
import dev.migscope.stream.VfioData;
import dev.migscope.telemetry.Bytes;
import dev.migscope.ui.charts.PassChart;
import dev.migscope.ui.common.Theme;
import dev.migscope.ui.common.Tooltips;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Function;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/**
 * A QEMU migration stream read from a file: its header line (file, size, machine, the libvirt
 * domain around it, complete or where reading stopped), the timeline of bytes per pass of RAM and
 * each VFIO device with the stop-copy marked, the section list as {@code migscope stream} prints
 * it, and a device chooser with Extract. A damaged stream shows what was read and the line saying
 * where and why reading stopped. The list is a virtualised table over the summary's sections, so a
 * stream of 200,000 sections costs the rows on screen. FX thread.
 */
public final class StreamPane extends VBox {

    private final Label header = new Label();
    private final Label stopped = new Label();
    private final ComboBox<String> device = new ComboBox<>();
    private final Button extract = new Button("Extract\u2026");
    private final PassChart timeline;
    private final TableView<Section> sections = new TableView<>();
    private Consumer<String> onExtract = d -> { };

    public StreamPane(Theme theme) {
        setId("stream-pane");
        getStyleClass().add("panel");
        setSpacing(6);
        setPadding(new Insets(8));
        header.setId("stream-header");
        header.getStyleClass().add("pane-title");
        header.setWrapText(true);
        stopped.setId("stream-stopped");
        stopped.setWrapText(true);
        device.setId("stream-device");
        device.setPromptText("VFIO device");
        extract.setId("stream-extract");
        Tooltips.install(extract, "Write the chosen VFIO device's data to a migscope stream file that "
                + "`migscope resume` (or Resume from file...) feeds a device");
        extract.setOnAction(e -> {
            if (device.getValue() != null) {
                onExtract.accept(device.getValue());
            }
        });
        extract.disableProperty().bind(device.valueProperty().isNull());
        Label chooser = new Label("Device:");
        HBox actions = new HBox(6, chooser, device, extract);
        actions.setAlignment(Pos.CENTER_LEFT);
        timeline = new PassChart("stream-timeline", "Bytes per pass", "RAM bytes", "VFIO device bytes", theme);
        sections.setId("stream-sections");
        sections.setPlaceholder(new Label("no sections read"));
        sections.getStyleClass().add("mono");
        sections.getColumns().addAll(List.of(
                column("offset", 90, x -> "0x" + Long.toHexString(x.offset())),
                column("type", 70, x -> x.type().name()),
                column("id", 50, x -> Long.toString(x.id())),
                column("name", 220, x -> Visible.of(x.name())),
                column("inst", 45, x -> x.type() == SectionType.COMMAND ? "" : Long.toString(x.instance())),
                column("ver", 40, x -> x.type() == SectionType.COMMAND ? "" : Long.toString(x.version())),
                column("size", 90, x -> String.format(Locale.ROOT, "%,d", x.size())),
                column("carried", 420, x -> Visible.of(StreamReport.carried(x)))));
        SplitPane split = new SplitPane(timeline.node(), sections);
        split.setOrientation(Orientation.VERTICAL);
        split.setDividerPositions(0.5);
        VBox.setVgrow(split, Priority.ALWAYS);
        getChildren().addAll(header, stopped, actions, split);
    }

    private static TableColumn<Section, String> column(String title, double width, Function<Section, String> text) {
        TableColumn<Section, String> c = new TableColumn<>(title);
        c.setCellValueFactory(cell -> new ReadOnlyStringWrapper(text.apply(cell.getValue())));
        c.setPrefWidth(width);
        // Sorting 200,000 rows on a click would hold the FX thread; the stream's order is the point.
        c.setSortable(false);
        return c;
    }

    /** What Extract does with the chosen device's section name. */
    public void setOnExtract(Consumer<String> handler) {
        onExtract = handler;
    }

    /** Shows the stream {@code file} as read. */
    public void show(Path file, QemuStreamFile.Read read) {
        StreamSummary s = read.summary();
        header.setText(headerLine(file, read));
        String stop = stopLine(s);
        stopped.setText(stop);
        stopped.getStyleClass().remove("status-error");
        if (s.failure().isPresent()) {
            stopped.getStyleClass().add("status-error");
        }
        sections.setItems(FXCollections.observableList(s.sections()));
        device.getItems().setAll(s.devices().stream().map(VfioData::name).toList());
        device.setValue(s.devices().isEmpty() ? null : s.devices().get(0).name());
        StreamTimeline.Timeline t = StreamTimeline.of(s);
        timeline.show(t.lines().stream().map(l -> new PassChart.Line(l.label(), l.ram(), l.x(), l.y())).toList(),
                t.stopCopyX() < 0 ? Double.NaN : t.stopCopyX(), t.lastX());
    }

    /** Chooses {@code name} (a VFIO section of the stream shown) for Extract. */
    public void chooseDevice(String name) {
        if (device.getItems().contains(name)) {
            device.setValue(name);
        }
    }

    public void applyTheme(Theme t) {
        timeline.applyTheme(t);
    }

    /** The stream's one-line description: file, size, machine, the libvirt save image it is inside. */
    public static String headerLine(Path file, QemuStreamFile.Read read) {
        StreamSummary s = read.summary();
        StringBuilder b = new StringBuilder("stream ").append(Visible.of(file.toString())).append("  \u00b7  ")
                .append(Bytes.format(read.fileSize()));
        if (s.config() != null) {
            b.append("  \u00b7  machine ").append(Visible.of(s.config().machine()));
        }
        read.libvirt().map(LibvirtSaveHeader::domain).filter(d -> !d.isEmpty())
                .ifPresent(d -> b.append("  \u00b7  libvirt domain ").append(Visible.of(d)));
        b.append("  \u00b7  ").append(String.format(Locale.ROOT, "%,d", s.sections().size() + s.sectionsDropped()))
                .append(" sections, ").append(s.devices().size()).append(" VFIO ")
                .append(s.devices().size() == 1 ? "device" : "devices");
        return b.toString();
    }

    /** Complete, or where and why reading stopped, as {@code migscope stream} ends. */
    public static String stopLine(StreamSummary s) {
        return s.failure().map(e -> "stopped at " + Visible.of(e.line())).orElse(s.complete()
                ? "complete: QEMU_VM_EOF at 0x" + Long.toHexString(s.eofOffset()) : "no QEMU_VM_EOF");
    }

    // ---------------------------------------------------------------- what it shows (the tests read it)

    public String headerText() {
        return header.getText();
    }

    public String stopText() {
        return stopped.getText();
    }

    public TableView<Section> sections() {
        return sections;
    }

    public PassChart timeline() {
        return timeline;
    }

    /** The devices Extract offers, and the chosen one. */
    public List<String> devices() {
        return List.copyOf(device.getItems());
    }

    public String chosenDevice() {
        return device.getValue();
    }
}
