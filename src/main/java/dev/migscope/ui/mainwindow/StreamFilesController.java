package dev.migscope.ui.mainwindow;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.MigrationFile;
import dev.migscope.device.Visible;
import dev.migscope.stream.QemuStreamFile;
import dev.migscope.stream.StreamExtract;
import dev.migscope.stream.VfioData;
import dev.migscope.ui.common.FileDialogs;
import dev.migscope.ui.common.FxTasks;
import dev.migscope.ui.common.Theme;
import dev.migscope.ui.devices.DeviceListView;
import dev.migscope.ui.log.EventLogView;
import dev.migscope.ui.streams.StreamPane;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;

/**
 * QEMU migration streams read from files (File -> Open migration stream..., {@code migscope
 * window --stream FILE}): each read off the FX thread, each a node of the device list ("stream
 * FILE") with its VFIO devices below it; selecting the node or one of its devices shows the
 * stream's pane as a tab, and Extract... writes a device's data as a stream file resume takes.
 * A stream is no device view: it has an order of passes but no clock, no state now and no feature
 * set, so it does not go through the graph and the time charts; what it shares with the other
 * parts is the selection ({@link SelectedDevice#want}: choosing a stream lets the other parts close
 * what they opened) and the commands it publishes. FX thread.
 */
public final class StreamFilesController {

    public static final String OPEN = "open-stream";
    public static final String EXTRACT = "extract-stream-device";
    /** The owner of the stream nodes in the device list. */
    private static final String NODES = "streams";
    /** The style class of a stream's node. */
    public static final String STREAM_NODE = "stream-node";

    private final DeviceListView list;
    private final SelectedDevice selected;
    private final EventLogView log;
    private final TabPane tabs;
    /** Its own thread: reading a large stream must not hold up a rescan. */
    private final FxTasks tasks = new FxTasks("migscope-stream-files");
    /** The streams open, by file, in the order opened. */
    private final Map<Path, QemuStreamFile.Read> open = new LinkedHashMap<>();
    private StreamPane pane;
    private Tab tab;
    private Theme theme;
    /** The stream the pane shows, or null. */
    private Path shown;

    public StreamFilesController(DeviceListView list, SelectedDevice selected, EventLogView log, TabPane tabs,
            Theme theme) {
        this.list = list;
        this.selected = selected;
        this.log = log;
        this.tabs = tabs;
        this.theme = theme;
        list.setOnSelectNode(NODES, n -> {
            Path file = fileOf(n.title());
            if (file == null) {
                return false;
            }
            show(file, null);
            return true;
        });
        list.setOnSelectMember(NODES, m -> {
            Path file = fileOf(m.id().substring(0, m.id().indexOf('\n')));
            if (file != null) {
                show(file, m.info().id());
            }
        });
        selected.wantedProperty().addListener((o, was, key) -> {
            if (shown != null && (key == null || !key.equals(key(shown)) && !key.startsWith(key(shown) + "\n"))) {
                shown = null;
                if (tab != null && tab.isSelected()) {
                    tabs.getSelectionModel().select(0);
                }
            }
        });
    }

    /** Asks for a stream file and opens it. */
    public void chooseAndOpen() {
        FileDialogs.open(tabs, "Open migration stream").ifPresent(this::open);
    }

    /**
     * Reads {@code file} off the FX thread and shows it. A damaged stream shows what was read and
     * where reading stopped; a file that cannot be read is a line of the log. Completes on the FX
     * thread, with null when the file could not be read.
     */
    public CompletableFuture<QemuStreamFile.Read> open(Path file) {
        Path f = file.toAbsolutePath().normalize();
        log.note("reading stream " + Visible.of(f.toString()));
        return tasks.supply(() -> {
            try {
                return QemuStreamFile.read(f, null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).handle((read, err) -> {
            if (err != null) {
                Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
                IOException io = cause instanceof UncheckedIOException u ? u.getCause() : null;
                log.problem("cannot read stream " + Visible.of(f.toString()) + ": " + Visible.of(io == null
                        ? String.valueOf(cause.getMessage()) : MigrationFile.fileError(io, f, "read", f.toString())
                        .message()));
                return null;
            }
            open.put(f, read);
            showNodes();
            StringBuilder line = new StringBuilder("read stream " + Visible.of(f.toString()) + ": "
                    + (read.summary().sections().size() + read.summary().sectionsDropped()) + " sections");
            for (VfioData d : read.summary().devices()) {
                line.append(", ").append(Visible.of(d.name())).append(' ').append(deviceBytes(d));
            }
            log.note(line.toString());
            read.summary().failure().ifPresent(e -> log.problem("stream " + Visible.of(f.toString())
                    + " stopped at " + Visible.of(e.line())));
            show(f, null);
            list.select(key(f));
            return read;
        });
    }

    /** The stream shown, or empty. */
    public Optional<Path> shown() {
        return Optional.ofNullable(shown);
    }

    /** Asks where to write the chosen device of the stream shown, and extracts it there. */
    public void chooseAndExtract() {
        if (shown == null || pane == null || pane.chosenDevice() == null) {
            log.problem("Extract: open a migration stream with a VFIO device first (File > Open migration stream...)");
            return;
        }
        chooseAndExtract(shown, pane.chosenDevice());
    }

    private void chooseAndExtract(Path file, String device) {
        String name = device.replace("/vfio", "").replace(':', '-') + ".migscope";
        FileDialogs.save(tabs, "Extract " + device, name).ifPresent(out -> extract(file, device, out));
    }

    /**
     * Writes {@code device}'s data of the stream {@code file} (opened) to {@code out} off the FX
     * thread; the result, or why it was refused, is a line of the log. Completes on the FX thread,
     * with null when nothing was written.
     */
    public CompletableFuture<StreamExtract.Extracted> extract(Path file, String device, Path out) {
        QemuStreamFile.Read read = open.get(file.toAbsolutePath().normalize());
        Optional<VfioData> d = read == null ? Optional.empty() : read.summary().device(device);
        if (d.isEmpty()) {
            log.problem("Extract: no VFIO device " + Visible.of(device) + " in an open stream "
                    + Visible.of(file.toString()));
            return CompletableFuture.completedFuture(null);
        }
        Path stream = file.toAbsolutePath().normalize();
        log.note("extracting " + Visible.of(device) + " to " + Visible.of(out.toString()));
        return tasks.supply(() -> {
            try {
                return StreamExtract.extract(stream, read, d.get(), out, "");
            } catch (IOException | StreamExtract.RefusedException e) {
                throw new CompletionException(e);
            }
        }).handle((x, err) -> {
            if (err != null) {
                Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
                log.problem("extract " + Visible.of(device) + (cause instanceof IOException io ? " failed: "
                        + Visible.of(MigrationFile.fileError(io, out, "write", device).message())
                        : " refused: " + Visible.of(String.valueOf(cause.getMessage()))) + "; nothing was written");
                return null;
            }
            log.note("extracted " + Visible.of(device) + " to " + Visible.of(out.toString()) + ": "
                    + String.format(Locale.ROOT, "%,d", x.bytes()) + " bytes (" + x.precopyPasses() + " precopy "
                    + (x.precopyPasses() == 1 ? "pass" : "passes") + ", stop-copy "
                    + String.format(Locale.ROOT, "%,d", x.stopCopyBytes()) + "); `migscope resume DEV "
                    + Visible.of(out.toString()) + "` feeds it to a device");
            return x;
        });
    }

    /** The pane of the stream shown (built with the first stream shown), or null. */
    public StreamPane pane() {
        return pane;
    }

    public void applyTheme(Theme t) {
        theme = t;
        if (pane != null) {
            pane.applyTheme(t);
        }
    }

    /** Stops reading; a read running finishes and is dropped. */
    public void dispose() {
        tasks.shutdown();
    }

    public void publishTo(Commands commands) {
        commands.publish(new Commands.Command(OPEN, "Open migration stream\u2026", "Shortcut+Shift+O",
                "Read a QEMU migration stream file: sections, bytes per pass, each VFIO device", false,
                this::chooseAndOpen));
        commands.publish(new Commands.Command(EXTRACT, "Extract device data from stream\u2026", null,
                "Write a VFIO device's data from the stream shown to a file resume takes", false,
                this::chooseAndExtract));
    }

    // ---------------------------------------------------------------- the list and the pane

    /** What the selection wants for a stream (its node), and, after it, for one of its devices. */
    private static String key(Path file) {
        return "stream " + file;
    }

    private Path fileOf(String title) {
        return open.keySet().stream().filter(p -> title.equals(key(p))).findFirst().orElse(null);
    }

    private void show(Path file, String device) {
        String key = key(file) + (device == null ? "" : "\n" + device);
        if (!selected.wants(key)) {
            selected.want(key);
        }
        if (pane == null) {
            pane = new StreamPane(theme);
            pane.setOnExtract(d -> {
                if (shown != null) {
                    chooseAndExtract(shown, d);
                }
            });
        }
        if (!file.equals(shown)) {
            pane.show(file, open.get(file));
        }
        shown = file;
        if (device != null) {
            pane.chooseDevice(device);
        }
        if (tab == null) {
            tab = new Tab("Migration stream", pane);
            tab.setId("tab-stream");
            tab.setOnClosed(e -> tab = null);
        }
        tab.setText("Stream " + Visible.of(String.valueOf(file.getFileName())));
        if (!tabs.getTabs().contains(tab)) {
            tabs.getTabs().add(tab);
        }
        tabs.getSelectionModel().select(tab);
    }

    private void showNodes() {
        List<DeviceListView.Attached> nodes = new ArrayList<>();
        for (Map.Entry<Path, QemuStreamFile.Read> e : open.entrySet()) {
            Path file = e.getKey();
            QemuStreamFile.Read read = e.getValue();
            List<DeviceListView.Member> members = new ArrayList<>();
            List<DeviceListView.NodeAction> actions = new ArrayList<>();
            for (VfioData d : read.summary().devices()) {
                DeviceInfo info = new DeviceInfo(d.name(), DeviceKind.PCI, "vfio-pci", null, null, null, null, null,
                        null, null, null, null, null);
                String detail = "vfio-pci in the stream  \u00b7  " + deviceBytes(d);
                members.add(new DeviceListView.Member(key(file) + "\n" + d.name(), info, () -> detail));
                actions.add(new DeviceListView.NodeAction("Extract " + Visible.of(d.name()) + "\u2026",
                        () -> chooseAndExtract(file, d.name())));
            }
            actions.add(new DeviceListView.NodeAction("Close stream", () -> close(file)));
            String detail = read.summary().config() == null ? "no machine read"
                    : "machine " + read.summary().config().machine();
            detail += "\n" + (read.summary().failure().isPresent() ? "damaged: stopped at offset 0x"
                    + Long.toHexString(read.summary().failure().get().offset()) : StreamPane.stopLine(read.summary()));
            nodes.add(new DeviceListView.Attached(key(file), detail, List.of(), members, actions, STREAM_NODE));
        }
        list.setAttached(NODES, nodes);
    }

    private void close(Path file) {
        open.remove(file);
        if (file.equals(shown)) {
            selected.want(null);
            if (tab != null) {
                tabs.getTabs().remove(tab);
                tab = null;
            }
        }
        showNodes();
    }

    private static String deviceBytes(VfioData d) {
        return String.format(Locale.ROOT, "precopy %,d bytes in %d %s, stop-copy %,d bytes", d.precopyBytes(),
                d.passes().size(), d.passes().size() == 1 ? "pass" : "passes", d.stopCopyBytes());
    }
}
