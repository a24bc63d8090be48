package dev.migscope.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.MigrationFile;
import dev.migscope.fsm.MigState;
import dev.migscope.stream.QemuStreamFile;
import dev.migscope.stream.Section;
import dev.migscope.stream.StreamExtract;
import dev.migscope.stream.StreamLimits;
import dev.migscope.testsupport.QemuProcess;
import dev.migscope.testsupport.QemuStreamBuilder;
import dev.migscope.ui.common.Theme;
import dev.migscope.ui.charts.PassChart;
import dev.migscope.ui.mainwindow.StreamFilesController;
import dev.migscope.ui.streams.StreamPane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * QEMU migration streams in the window: opened as File > Open migration stream... opens the file
 * the user chose (the chooser's path goes to {@code streamFiles().open(Path)}, as Save's goes to
 * {@code streams().saveTo(Path)}), a node of the device list with its VFIO devices, the pane's
 * sections, timeline and stop line, and Extract....
 */
@ExtendWith(ApplicationExtension.class)
class StreamWindowTest {

    private static final long WAIT_S = QemuProcess.WAIT.toSeconds();
    private static final String VFIO = "0000:00:01.0/vfio";
    private static final byte[] PRECOPY = bytes(40, 1);
    private static final byte[] STOP_COPY = bytes(96, 2);

    @TempDir
    Path dir;

    private InspectorWindow window;

    @Start
    void start(Stage stage) {
        window = new InspectorWindow(QemuProcess.NO_HOST_DEVICES, Theme.LIGHT);
        stage.setScene(window.scene());
        stage.show();
    }

    @AfterEach
    void close(FxRobot robot) {
        robot.interact(window::dispose);
    }

    private static byte[] bytes(int n, int fill) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) fill);
        return b;
    }

    private static <T> T onFx(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(WAIT_S, TimeUnit.SECONDS);
    }

    private Path mttyStream() throws Exception {
        Path file = dir.resolve("mtty.mig");
        Files.write(file, QemuStreamBuilder.withDevice(PRECOPY, STOP_COPY, bytes(256, 3)).build());
        return file;
    }

    /** Opens {@code file} as File > Open migration stream... does with the file the user chose. */
    private QemuStreamFile.Read open(Path file) throws Exception {
        return onFx(() -> window.streamFiles().open(file)).get(WAIT_S, TimeUnit.SECONDS);
    }

    private StreamPane pane() throws Exception {
        return onFx(() -> window.streamFiles().pane());
    }

    private String logText() throws Exception {
        return onFx(() -> WindowParts.log(window).text());
    }

    private static String cell(TableView<Section> t, int column, int row) {
        return String.valueOf(t.getColumns().get(column).getCellObservableValue(row).getValue());
    }

    @Test
    void theFileMenuOpensAStream(FxRobot robot) throws Exception {
        MenuBar bar = robot.lookup(".menu-bar").queryAs(MenuBar.class);
        List<String> file = onFx(() -> bar.getMenus().get(0).getItems().stream().map(MenuItem::getText)
                .filter(t -> t != null).toList());
        assertThat(file).contains("Open migration stream\u2026", "Extract device data from stream\u2026");
    }

    @Test
    void aStreamWithAVfioDeviceIsANodeWithTheDeviceUnderItAndShowsItsSectionsAndTimeline(FxRobot robot)
            throws Exception {
        Path file = mttyStream();
        QemuStreamFile.Read read = open(file);
        String node = "stream " + file.toAbsolutePath().normalize();

        assertThat(onFx(() -> WindowParts.devices(window).shownNodes(StreamFilesController.STREAM_NODE)))
                .containsExactly(node);
        assertThat(onFx(() -> WindowParts.devices(window).shownIds())).containsExactly(node + "\n" + VFIO);
        assertThat(robot.lookup(".stream-node .device-detail").queryLabeled().getText())
                .contains("machine pc-q35-10.0", "complete");
        TabPane tabs = robot.lookup("#tabs").queryAs(TabPane.class);
        assertThat(onFx(() -> tabs.getSelectionModel().getSelectedItem().getId())).isEqualTo("tab-stream");

        StreamPane pane = pane();
        assertThat(onFx(pane::headerText)).contains("mtty.mig", "machine pc-q35-10.0", "1 VFIO device");
        assertThat(onFx(pane::stopText)).startsWith("complete: QEMU_VM_EOF at 0x");

        // The section rows are migscope stream's: offset, type, id, name, instance, version, size, carried.
        TableView<Section> rows = pane.sections();
        List<Section> sections = read.summary().sections();
        assertThat(onFx(() -> rows.getItems().size())).isEqualTo(sections.size());
        int end = sections.indexOf(sections.stream().filter(s -> s.isVfio() && s.type().name().equals("END"))
                .findFirst().orElseThrow());
        Section stop = sections.get(end);
        assertThat(onFx(() -> List.of(cell(rows, 0, end), cell(rows, 1, end), cell(rows, 2, end), cell(rows, 3, end),
                cell(rows, 6, end), cell(rows, 7, end)))).containsExactly("0x" + Long.toHexString(stop.offset()),
                "END", "37", VFIO, String.format("%,d", stop.size()), "DATA_STATE(96) END_OF_STATE");
        assertThat(onFx(() -> List.of(cell(rows, 3, 0), cell(rows, 3, 1)))).containsExactly("ram", VFIO);

        // RAM: 3 pages in pass 1, 1 in pass 2, 1 in the stop-copy; the device: its setup, 40 bytes in pass 1,
        // nothing in pass 2, 96 in the stop-copy, all on one pass axis with the stop-copy marked at 3.
        PassChart chart = pane.timeline();
        assertThat(onFx(chart::labels)).containsExactly("RAM", VFIO);
        double[][] ram = onFx(() -> chart.series("RAM"));
        assertThat(ram[0]).containsExactly(1, 2, 3);
        assertThat(ram[1]).containsExactly(3 * 4096, 4096, 4096);
        double[][] dev = onFx(() -> chart.series(VFIO));
        assertThat(dev[0]).containsExactly(0, 1, 2, 3);
        assertThat(dev[1]).containsExactly(0, 40, 0, 96);
        assertThat(onFx(chart::stopCopyMarker)).hasValue(3);
        assertThat(onFx(() -> List.of(chart.passLabel(0), chart.passLabel(1), chart.passLabel(3))))
                .containsExactly("setup", "1", "stop-copy");
        assertThat(robot.lookup("#stream-timeline").tryQuery()).isPresent();

        // The device's row chooses it for Extract, the pane stays the stream's.
        onFx(() -> WindowParts.devices(window).select(node + "\n" + VFIO));
        assertThat(onFx(pane::chosenDevice)).isEqualTo(VFIO);
        assertThat(onFx(() -> tabs.getSelectionModel().getSelectedItem().getId())).isEqualTo("tab-stream");
        assertThat(logText()).contains("read stream " + file.toAbsolutePath().normalize() + ": ",
                VFIO + " precopy 40 bytes in 2 passes, stop-copy 96 bytes");
    }

    @Test
    void extractWritesAStreamFileResumeVerifies() throws Exception {
        Path file = mttyStream();
        open(file);
        Path out = dir.resolve("mtty-0.migscope");

        StreamExtract.Extracted x = onFx(() -> window.streamFiles().extract(file, VFIO, out))
                .get(WAIT_S, TimeUnit.SECONDS);

        assertThat(x).isNotNull();
        MigrationFile.Verified v = MigrationFile.verify(out);
        assertThat(v.phases()).extracting(MigrationFile.Phase::state)
                .containsExactly(MigState.PRE_COPY, MigState.STOP_COPY);
        assertThat(v.phases()).extracting(MigrationFile.Phase::length).containsExactly(40L, 96L);
        assertThat(v.source().origin()).contains("mtty.mig", "section 37 " + VFIO);
        assertThat(logText()).contains("extracted " + VFIO + " to " + out + ": 136 bytes (1 precopy pass, "
                + "stop-copy 96)");

        // A place that cannot be written is one line, and leaves nothing behind.
        Path nowhere = dir.resolve("no-such-dir").resolve("x.migscope");
        assertThat(onFx(() -> window.streamFiles().extract(file, VFIO, nowhere)).get(WAIT_S, TimeUnit.SECONDS))
                .isNull();
        assertThat(logText()).contains("extract " + VFIO + " failed: no such file or directory: ",
                "; nothing was written");
        assertThat(dir.resolve("no-such-dir")).doesNotExist();
    }

    @Test
    void aDamagedStreamShowsWhatWasReadAndWhereItStoppedAndExtractIsRefused() throws Exception {
        QemuStreamBuilder b = QemuStreamBuilder.withDevice(PRECOPY, STOP_COPY, bytes(256, 3));
        byte[] whole = b.build();
        // Cut inside the device's precopy DATA_STATE: RAM, the device's setup and more were read.
        int cut = b.boundaries.get(4) + 20;
        Path file = dir.resolve("cut.mig");
        Files.write(file, Arrays.copyOf(whole, cut));

        QemuStreamFile.Read read = open(file);

        StreamPane pane = pane();
        assertThat(read.summary().failure()).isPresent();
        assertThat(onFx(pane::stopText)).isEqualTo("stopped at " + read.summary().failure().get().line())
                .startsWith("stopped at offset 0x");
        assertThat(onFx(() -> pane.sections().getItems().size())).isEqualTo(read.summary().sections().size())
                .isPositive();
        assertThat(onFx(() -> pane.timeline().series("RAM"))[1]).containsExactly(3 * 4096);
        assertThat(logText()).contains("stream " + file.toAbsolutePath().normalize() + " stopped at offset 0x");

        Path out = dir.resolve("x.migscope");
        assertThat(onFx(() -> window.streamFiles().extract(file, VFIO, out)).get(WAIT_S, TimeUnit.SECONDS)).isNull();
        assertThat(out).doesNotExist();
        assertThat(logText()).contains("extract " + VFIO + " refused: the stream stops at offset 0x");

        // A file that cannot be read at all is one line of the log.
        assertThat(open(dir.resolve("missing.mig"))).isNull();
        assertThat(logText()).contains("cannot read stream " + dir.resolve("missing.mig") + ": ",
                "no such file or directory");
    }

    @Test
    void aStreamQemu10WroteOpens() throws Exception {
        Path file = dir.resolve("qemu10.mig");
        try (QemuProcess q = QemuProcess.start(dir, "vm")) {
            q.migrateAndWait("file:" + file);
        }

        QemuStreamFile.Read read = open(file);

        StreamPane pane = pane();
        assertThat(read.summary().complete()).isTrue();
        assertThat(onFx(pane::stopText)).startsWith("complete: QEMU_VM_EOF at 0x");
        assertThat(onFx(pane::headerText)).contains("machine pc-q35-", "0 VFIO devices");
        assertThat(onFx(() -> pane.sections().getItems().size())).isEqualTo(read.summary().sections().size());
        double[][] ram = onFx(() -> pane.timeline().series("RAM"));
        long pages = read.summary().ram().passes().stream().mapToLong(p -> p.bytes()).sum()
                + read.summary().ram().stopCopy().orElseThrow().bytes();
        assertThat(Arrays.stream(ram[1]).sum()).isEqualTo((double) pages);
        assertThat(onFx(() -> pane.timeline().stopCopyMarker())).hasValue(ram[0][ram[0].length - 1]);
    }

    /** A stream at the section bound: the table makes rows for what is on screen, the chart decimates. */
    @Test
    void twoHundredThousandSectionsAreShownWithoutARowEach(FxRobot robot) throws Exception {
        QemuStreamBuilder b = new QemuStreamBuilder().configuration("pc-q35-10.0").vfioSetup(37, VFIO);
        for (int i = 0; i < StreamLimits.SECTIONS; i++) {
            b.vfioData(0x02, 37, new byte[] {(byte) i});
        }
        b.vfioData(0x03, 37, STOP_COPY).eof();
        Path file = dir.resolve("many.mig");
        Files.write(file, b.build());

        QemuStreamFile.Read read = open(file);

        StreamPane pane = pane();
        assertThat(read.summary().sectionsDropped()).isPositive();
        assertThat(onFx(() -> pane.sections().getItems().size())).isEqualTo(StreamLimits.SECTIONS);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(robot.lookup("#stream-sections").queryAs(TableView.class).lookupAll(".table-row-cell"))
                .hasSizeLessThan(200).allMatch(n -> n instanceof TableRow<?>);
        double[][] dev = onFx(() -> pane.timeline().series(VFIO));
        assertThat(dev[0].length).isLessThanOrEqualTo(1500 + 2);
        // Decimation keeps the peaks: every pass carried one byte.
        assertThat(Arrays.stream(dev[1], 1, dev[1].length - 1).distinct()).containsExactly(1.0);
        assertThat(onFx(() -> pane.timeline().stopCopyMarker())).hasValue(StreamLimits.PASSES + 1);
    }

    @Test
    void theStreamsTheCommandLineNamesAreOpenAtStart() throws Exception {
        Path file = mttyStream();
        onFx(() -> {
            InspectorApp.openAtStart(window, List.of("--stream=" + file));
            return null;
        });
        String node = "stream " + file.toAbsolutePath().normalize();
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> onFx(() ->
                WindowParts.devices(window).shownNodes(StreamFilesController.STREAM_NODE).contains(node)));
        assertThat(onFx(() -> window.streamFiles().shown())).hasValue(file.toAbsolutePath().normalize());
        Tab selected = onFx(() -> ((TabPane) window.scene().lookup("#tabs")).getSelectionModel().getSelectedItem());
        assertThat(selected.getText()).isEqualTo("Stream mtty.mig");
    }
}
