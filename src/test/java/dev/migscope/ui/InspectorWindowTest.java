package dev.migscope.ui;

import dev.migscope.ui.common.Theme;
import dev.migscope.ui.common.Png;
import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.Errno;
import dev.migscope.view.TransitionResult;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.session.MigrationSession;
import dev.migscope.view.DeviceEvent;
import dev.migscope.session.SessionOptions;
import dev.migscope.view.StreamResult;
import dev.migscope.testsupport.FakeBackend;
import dev.migscope.testsupport.FakeDevice;
import dev.migscope.ui.graph.GraphHighlight;
import dev.migscope.ui.log.EventLogView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

@ExtendWith(ApplicationExtension.class)
class InspectorWindowTest {

    private static final long WAIT_S = 20;

    private FakeBackend backend;
    private InspectorWindow window;

    @Start
    void start(Stage stage) {
        backend = FakeBackend.oneOfEachFeatureSet();
        window = new InspectorWindow(FakeBackend.registry(backend), Theme.LIGHT,
                SessionOptions.defaults().withPrecopy(Duration.ofSeconds(2), 1 << 20));
        stage.setScene(window.scene());
        stage.show();
    }

    @AfterEach
    void close(FxRobot robot) {
        robot.interact(window::dispose);
    }

    private MigrationSession open(FxRobot robot, String id) throws Exception {
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> WindowParts.devices(window).shownIds().contains(id));
        robot.interact(() -> WindowParts.devices(window).select(id));
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> onFx(() -> window.deviceList().session() != null
                && window.deviceList().session().id().equals(id) && WindowParts.graph(window).currentProperty().get() != null));
        return onFx(() -> window.deviceList().session());
    }

    private static <T> T onFx(java.util.concurrent.Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(WAIT_S, TimeUnit.SECONDS);
    }

    private Node node(FxRobot robot, String id) {
        return robot.from(WindowParts.graph(window)).lookup("#" + id).query();
    }

    private void waitForState(MigState s) throws Exception {
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> onFx(() -> WindowParts.graph(window).currentProperty().get() == s));
    }

    private List<String> logLines() throws Exception {
        return onFx(() -> WindowParts.log(window).lines().stream().map(EventLogView.Line::text).toList());
    }

    /** The four charts start drawing after the window's first frame, without waiting for data. */
    @Test
    void theChartsDrawOnceTheWindowIsShown() throws Exception {
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> onFx(() -> WindowParts.charts(window).draws() >= 4));
        for (String id : onFx(() -> WindowParts.charts(window).chartIds())) {
            assertThat(onFx(() -> window.scene().lookup("#" + id).getLayoutBounds().getWidth())).as(id).isPositive();
        }
    }

    @Test
    void everyNodeAndEdgeIsClassifiedForEachFeatureSet(FxRobot robot) throws Exception {
        for (String id : List.of(FakeBackend.STOP_COPY_ONLY, FakeBackend.P2P, FakeBackend.PRE_COPY, FakeBackend.ALL)) {
            MigrationSession s = open(robot, id);
            MigFeatures f = backend.device(id).migrationFeatures();
            assertThat(s.features()).isEqualTo(f);
            GraphHighlight expected = GraphHighlight.of(f, MigState.RUNNING, null);
            for (MigState st : MigState.values()) {
                String sid = GraphHighlight.stateId(st);
                assertThat(node(robot, sid).getStyleClass()).as("%s %s", id, sid)
                        .filteredOn(GraphHighlight.ALL_CLASSES::contains)
                        .containsExactlyInAnyOrderElementsOf(expected.classesOf(sid));
            }
            for (Arc a : MigrationFsm.allArcs()) {
                assertThat(node(robot, a.id()).getStyleClass()).as("%s %s", id, a)
                        .filteredOn(GraphHighlight.ALL_CLASSES::contains)
                        .containsExactlyInAnyOrderElementsOf(expected.classesOf(a.id()))
                        .contains(MigrationFsm.directArcs(f).contains(a) ? "usable" : "unsupported");
            }
            assertThat(node(robot, "state-RUNNING").getStyleClass()).contains("current");
        }
    }

    @Test
    void hoveringAStatePreviewsTheKernelsPath(FxRobot robot) throws Exception {
        open(robot, FakeBackend.ALL);
        robot.moveTo(node(robot, "state-STOP_COPY"));
        WaitForAsyncUtils.waitForFxEvents();
        MigPath path = MigrationFsm.path(MigFeatures.ALL, MigState.RUNNING, MigState.STOP_COPY);
        assertThat(onFx(() -> WindowParts.graph(window).highlight().preview())).contains(path);
        for (Arc a : MigrationFsm.allArcs()) {
            assertThat(node(robot, a.id()).getStyleClass().contains("on-path")).as(a.id())
                    .isEqualTo(path.arcs().contains(a));
        }
        // Leave the node and let its tooltip close: a tooltip is a window that would take the pointer.
        robot.moveTo(robot.from(WindowParts.graph(window)).lookup("#path-info").queryLabeled());
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> onFx(() ->
                javafx.stage.Window.getWindows().stream().noneMatch(w -> w instanceof javafx.scene.control.Tooltip)));
        robot.moveTo(node(robot, "state-ERROR"));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(onFx(() -> WindowParts.graph(window).hoveredProperty().get())).isEqualTo(MigState.ERROR);
        assertThat(onFx(() -> WindowParts.graph(window).captionText())).contains("refused (EINVAL)")
                .contains(MigrationFsm.path(MigFeatures.ALL, MigState.RUNNING, MigState.ERROR).refusal().reason());
    }

    @Test
    void clickingATargetDrivesTheDeviceAndLogsEachStep(FxRobot robot) throws Exception {
        open(robot, FakeBackend.ALL);
        robot.clickOn(node(robot, "state-STOP"));
        waitForState(MigState.STOP);
        assertThat(backend.device(FakeBackend.ALL).state()).isEqualTo(MigState.STOP);
        MigPath path = MigrationFsm.path(MigFeatures.ALL, MigState.RUNNING, MigState.STOP);
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> logLines().stream()
                .anyMatch(l -> l.contains("RUNNING -> STOP") && l.contains("via")));
        List<String> lines = logLines();
        for (Arc a : path.arcs()) {
            assertThat(lines).as("step %s", a).anyMatch(l -> l.contains("step") && l.contains(a.from() + " -> " + a.to()));
        }
        assertThat(lines).anyMatch(l -> l.contains("via " + path.format()));
        // The digit of a state asks for it too.
        robot.clickOn(node(robot, "state-RESUMING"));
        waitForState(MigState.RESUMING);
    }

    @Test
    void aRefusedTargetIsLoggedAsRefused(FxRobot robot) throws Exception {
        open(robot, FakeBackend.STOP_COPY_ONLY);
        robot.clickOn(node(robot, "state-PRE_COPY"));
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> onFx(() -> WindowParts.log(window).lines().stream()
                .anyMatch(l -> l.kind().equals("refused"))));
        assertThat(backend.device(FakeBackend.STOP_COPY_ONLY).state()).isEqualTo(MigState.RUNNING);
    }

    @Test
    void aFaultShowsErrorAndResetRecovers(FxRobot robot) throws Exception {
        open(robot, FakeBackend.P2P);
        Arc first = MigrationFsm.path(MigFeatures.VALID_SETS.get(1), MigState.RUNNING, MigState.STOP).arcs().get(0);
        onFx(() -> window.simulation().injectFault(first, Errno.EIO, true)).get(WAIT_S, TimeUnit.SECONDS);
        robot.clickOn(node(robot, "state-STOP"));
        waitForState(MigState.ERROR);
        assertThat(node(robot, "state-ERROR").getStyleClass()).contains("current");
        assertThat(robot.lookup("#status-state").queryLabeled().getText()).contains("ERROR");
        assertThat(robot.lookup("#status-state").queryLabeled().getStyleClass()).contains("status-error");
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> onFx(() -> WindowParts.log(window).lines().stream()
                .anyMatch(l -> l.kind().equals("error-state") && l.text().contains("EIO"))));
        // From ERROR every target is refused; Reset is the way out.
        assertThat(GraphHighlight.ALL_CLASSES).contains("refused");
        assertThat(node(robot, "state-RUNNING").getStyleClass()).contains("refused");
        robot.clickOn("#action-reset");
        waitForState(MigState.RUNNING);
        assertThat(backend.device(FakeBackend.P2P).state()).isEqualTo(MigState.RUNNING);
        assertThat(logLines()).anyMatch(l -> l.contains("VFIO_DEVICE_RESET") && l.contains("ERROR -> RUNNING"));
    }

    @Test
    void chartsReceiveDataWhileASaveRuns(FxRobot robot, @TempDir Path dir) throws Exception {
        MigrationSession s = open(robot, FakeBackend.PRE_COPY);
        s.simulate(c -> c.setLinkBandwidth(6L << 20)).get(WAIT_S, TimeUnit.SECONDS);
        Path file = dir.resolve("saved.bin");
        CompletableFuture<StreamResult> save = onFx(() -> window.streams().saveTo(file));
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> onFx(() ->
                WindowParts.charts(window).max("chart-throughput", "PRE_COPY") > 0
                        && WindowParts.charts(window).points("chart-precopy", "initial_bytes") > 0));
        StreamResult r = save.get(WAIT_S * 3, TimeUnit.SECONDS);
        assertThat(r.ok()).as(String.valueOf(r.error())).isTrue();
        assertThat(Files.size(file)).isGreaterThan(r.totalBytes() - 1);
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> onFx(() ->
                WindowParts.charts(window).max("chart-throughput", "STOP_COPY") > 0));
        assertThat(onFx(() -> WindowParts.charts(window).points("chart-stopcopy", "stop_copy_length"))).isPositive();
        // and back again: resume the file into the device
        waitForState(MigState.STOP);
        StreamResult back = onFx(() -> window.streams().resumeFrom(file)).get(WAIT_S * 3, TimeUnit.SECONDS);
        assertThat(back.ok()).as(String.valueOf(back.error())).isTrue();
        waitForState(MigState.RUNNING);
    }

    @Test
    void cancellingASaveLeavesNoFileAndTheDeviceRunning(FxRobot robot, @TempDir Path dir) throws Exception {
        MigrationSession s = open(robot, FakeBackend.PRE_COPY);
        s.simulate(c -> c.setLinkBandwidth(256L << 10)).get(WAIT_S, TimeUnit.SECONDS);
        Path file = dir.resolve("cancelled.bin");
        CompletableFuture<StreamResult> save = onFx(() -> window.streams().saveTo(file));
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> onFx(() ->
                robot.lookup("#stream-progress").query().getParent().isVisible()
                        && WindowParts.graph(window).currentProperty().get() == MigState.PRE_COPY));
        robot.clickOn("#stream-cancel");
        StreamResult r = save.get(WAIT_S * 3, TimeUnit.SECONDS);
        assertThat(r.cancelled()).isTrue();
        assertThat(file).doesNotExist();
        waitForState(MigState.RUNNING);
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> onFx(() ->
                !robot.lookup("#stream-progress").query().getParent().isVisible()));
        assertThat(logLines()).anyMatch(l -> l.contains("save cancelled"));
    }

    @Test
    void theWindowStaysResponsiveWhileASetBlocks(FxRobot robot) throws Exception {
        open(robot, FakeBackend.ALL);
        FakeDevice device = backend.device(FakeBackend.ALL);
        device.holdSets();
        try {
            CompletableFuture<TransitionResult> t = onFx(() -> window.actions().requestTransition(MigState.STOP));
            assertThat(device.setEntered().await(WAIT_S, TimeUnit.SECONDS)).isTrue();
            // The device thread is inside the SET now. The FX thread must still run work and input.
            CountDownLatch ran = new CountDownLatch(1);
            Platform.runLater(ran::countDown);
            assertThat(ran.await(WAIT_S, TimeUnit.SECONDS)).isTrue();
            robot.moveTo(node(robot, "state-STOP_COPY"));
            WaitForAsyncUtils.waitForFxEvents();
            assertThat(onFx(() -> WindowParts.graph(window).hoveredProperty().get())).isEqualTo(MigState.STOP_COPY);
            assertThat(t).isNotDone();
            assertThat(robot.lookup("#status-busy").queryLabeled().getText()).contains("device busy");
            device.releaseSets();
            assertThat(t.get(WAIT_S, TimeUnit.SECONDS).ok()).isTrue();
        } finally {
            device.releaseSets();
        }
        waitForState(MigState.STOP);
    }

    @Test
    void theSetStateDelayOfTheSpiBlocksOnlyTheDeviceThread(FxRobot robot) throws Exception {
        MigrationSession s = open(robot, FakeBackend.P2P);
        s.simulate(c -> c.setSetStateDelay(Duration.ofMillis(800))).get(WAIT_S, TimeUnit.SECONDS);
        FakeDevice device = backend.device(FakeBackend.P2P);
        device.holdSets();
        device.releaseSets();
        CompletableFuture<TransitionResult> t = onFx(() -> window.actions().requestTransition(MigState.RUNNING_P2P));
        assertThat(device.setEntered().await(WAIT_S, TimeUnit.SECONDS)).isTrue();
        // Queued after the SET began: the FX thread answers while the device thread sleeps.
        CompletableFuture<Boolean> fxAnswered = new CompletableFuture<>();
        Platform.runLater(() -> fxAnswered.complete(!t.isDone()));
        assertThat(fxAnswered.get(WAIT_S, TimeUnit.SECONDS)).isTrue();
        assertThat(t.get(WAIT_S, TimeUnit.SECONDS).finalState()).isEqualTo(MigState.RUNNING_P2P);
    }

    @Test
    void dmaLoggingFeedsThePagesChart(FxRobot robot) throws Exception {
        MigrationSession s = open(robot, FakeBackend.ALL);
        assertThat(s.isDmaLoggingSupported()).isTrue();
        robot.clickOn("#action-dma");
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> onFx(() ->
                WindowParts.charts(window).max("chart-dirty", "DMA dirty pages") > 0));
        assertThat(s.isDmaLogging()).isTrue();
        robot.clickOn("#action-dma");
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> !s.isDmaLogging());
        assertThat(logLines()).anyMatch(l -> l.contains("DMA_LOGGING_START"))
                .anyMatch(l -> l.contains("DMA_LOGGING_STOP"));
    }

    @Test
    void recordingWritesTheTelemetryAsCsv(FxRobot robot, @TempDir Path dir) throws Exception {
        open(robot, FakeBackend.ALL);
        Path csv = dir.resolve("session.csv");
        robot.interact(() -> window.recording().start(csv));
        long v0 = window.deviceList().session().telemetry().version();
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> window.deviceList().session().telemetry().version() > v0 + 3);
        Path written = onFx(window.recording()::stop).get(WAIT_S, TimeUnit.SECONDS);
        List<String> lines = Files.readAllLines(written);
        assertThat(lines.get(0)).startsWith("time_s,state,");
        assertThat(lines).hasSizeGreaterThan(3);
        assertThat(lines.get(1)).contains(",RUNNING,");
    }

    @Test
    void exportsWritePngs(FxRobot robot, @TempDir Path dir) throws Exception {
        open(robot, FakeBackend.ALL);
        Path g = dir.resolve("graph.png");
        Path c = dir.resolve("charts.png");
        robot.interact(() -> {
            window.exports().exportGraph(g);
            window.exports().exportCharts(c);
        });
        assertThat(Files.size(g)).isGreaterThan(5000);
        assertThat(Files.size(c)).isGreaterThan(5000);
    }

    @Test
    void theTeachingViewListsEveryV1Combination(FxRobot robot) throws Exception {
        assertThat(onFx(() -> WindowParts.teaching(window).table().getItems())).hasSize(8);
        robot.clickOn(robot.lookup(".tab").nth(1).queryAs(Node.class));
        robot.interact(() -> WindowParts.teaching(window).table().getSelectionModel().select(3));
        assertThat(onFx(() -> WindowParts.teaching(window).graph().currentProperty().get())).isEqualTo(MigState.PRE_COPY);
        Path png = Path.of("target", "screenshots", "teaching-view.png");
        robot.interact(() -> {
            try {
                Png.write(window.scene().snapshot(null), png);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(Files.size(png)).isGreaterThan(5000);
    }

    @Test
    void theFilterNarrowsTheDeviceList(FxRobot robot) throws Exception {
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> onFx(() -> WindowParts.devices(window).shownIds().size() == 4));
        robot.interact(() -> WindowParts.devices(window).filterField().setText("pre-copy"));
        assertThat(onFx(() -> WindowParts.devices(window).shownIds())).containsExactly(FakeBackend.PRE_COPY, FakeBackend.ALL);
    }

    @Test
    void sessionEventsKeepTheirKindInTheLog(FxRobot robot) throws Exception {
        open(robot, FakeBackend.ALL);
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> logLines().stream().anyMatch(l -> l.contains("opened")));
        assertThat(onFx(() -> WindowParts.log(window).lines()).stream().filter(l -> l.event() != null)
                .map(l -> l.event().kind())).doesNotContain(DeviceEvent.Kind.DEVICE_GONE);
    }
}
