package dev.migscope.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.migscope.device.DeviceBackend;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.Errno;
import dev.migscope.device.Owner;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.json.Json;
import dev.migscope.qemu.AttachedQemu;
import dev.migscope.testsupport.FakeQmpServer;
import dev.migscope.testsupport.QemuProcess;
import dev.migscope.ui.common.Theme;
import dev.migscope.ui.log.EventLogView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javafx.scene.control.Button;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleButton;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.ui.Layer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The window following QEMUs: a real QEMU 10 on this host (no VFIO device can exist here), and a
 * scripted one that reports a vfio-pci device and its VFIO_MIGRATION events.
 */
@ExtendWith(ApplicationExtension.class)
class QemuWindowTest {

    private static final long WAIT_S = QemuProcess.WAIT.toSeconds();
    private static final String UUID = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001";
    private static final String QOM = "/machine/peripheral/mtty0";
    private static final long T0 = 1_713_771_323L;
    private static final int QEMU_PID = 4242;

    @TempDir
    Path dir;

    private InspectorWindow window;

    @Start
    void start(Stage stage) {
        window = new InspectorWindow(new DeviceRegistry(List.of(), List.of(new HostWithMtty()), true), Theme.LIGHT);
        stage.setScene(window.scene());
        stage.show();
    }

    @AfterEach
    void close(FxRobot robot) {
        robot.interact(window::dispose);
    }

    private static <T> T onFx(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(WAIT_S, TimeUnit.SECONDS);
    }

    private static void await(Callable<Boolean> c) throws Exception {
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> onFx(c));
    }

    private String logText() throws Exception {
        return onFx(() -> WindowParts.log(window).text());
    }

    @Test
    void aRealQemuIsANodeOfTheDeviceListAndItsEventsReachTheLog() throws Exception {
        try (QemuProcess vm = QemuProcess.start(dir, "vm1")) {
            List<AttachedQemu> attached = onFx(() -> window.qemus().attach(List.of(vm.qmp())))
                    .get(WAIT_S, TimeUnit.SECONDS);
            assertThat(attached).extracting(AttachedQemu::name).containsExactly("vm1");
            await(() -> WindowParts.devices(window).shownQemus().contains("QEMU vm1"));
            assertThat(logText()).contains("vm1  attached: QEMU 10.");

            // The user's own client (not migscope) pauses the VM: QEMU's STOP event is a line of the log.
            vm.control().call("stop", null);
            await(() -> WindowParts.log(window).lines().stream().anyMatch(l -> l.text().contains("vm1  STOP")));
            assertThat(onFx(() -> WindowParts.devices(window).shownIds())).noneMatch(id -> id.startsWith("qemu:"));
        }
    }

    @Test
    void aFakeQemusVfioDeviceIsShownReadOnlyAndTheGraphFollowsItsEvents(FxRobot robot) throws Exception {
        AtomicReference<String> migrate = new AtomicReference<>("{\"status\": \"active\", \"ram\": "
                + "{\"transferred\": 1000, \"dirty-pages-rate\": 12}, \"vfio\": {\"transferred\": 96}, "
                + "\"expected-downtime\": 40}");
        try (FakeQmpServer qemu = fakeQemu(migrate)) {
            onFx(() -> window.qemus().attach(List.of(dir.resolve("vm.qmp")))).get(WAIT_S, TimeUnit.SECONDS);
            String viewId = "qemu:vm1:mtty0";
            await(() -> WindowParts.devices(window).shownIds().contains(viewId));
            assertThat(onFx(() -> WindowParts.devices(window).shownQemus())).containsExactly("QEMU vm1");
            assertThat(robot.lookup(".qemu-node .device-detail").queryLabeled().getText())
                    .contains("QEMU 10.0.0, source, pid " + QEMU_PID);
            // The host's own entry for the mdev names QEMU as its holder, attached.
            assertThat(robot.lookup(".device-detail").queryAllAs(javafx.scene.control.Label.class))
                    .anyMatch(l -> l.getText().contains("held by qemu-system-x86_64, pid " + QEMU_PID + " (attached)"));

            robot.interact(() -> WindowParts.devices(window).select(viewId));
            await(() -> WindowParts.graph(window).currentProperty().get() == MigState.RUNNING);
            assertThat(onFx(() -> window.deviceList().session())).isNull();
            // QEMU's events, not debugfs, move this device: the status bar and its row say so.
            assertThat(robot.lookup("#status-access").queryLabeled().getText())
                    .isEqualTo("followed over QMP from QEMU vm1: VFIO_MIGRATION events");
            assertThat(robot.lookup(".device-observed .device-detail").queryLabeled().getText())
                    .endsWith("\nfollowed over QMP from QEMU vm1: VFIO_MIGRATION events");
            assertThat(onFx(() -> WindowParts.charts(window).chartIds())).containsExactly("chart-qemu-vfio", "chart-qemu-ram",
                    "chart-qemu-dirty", "chart-qemu-downtime");
            assertThat(drivingItemsEnabled(robot)).isEmpty();

            qemu.vfioMigration(T0, 100_000, "mtty0", QOM, "pre-copy");
            await(() -> WindowParts.graph(window).currentProperty().get() == MigState.PRE_COPY);
            qemu.vfioMigration(T0, 300_000, "mtty0", QOM, "stop-copy");
            await(() -> WindowParts.graph(window).currentProperty().get() == MigState.STOP_COPY);
            qemu.vfioMigration(T0, 337_000, "mtty0", QOM, "stop");
            await(() -> WindowParts.graph(window).currentProperty().get() == MigState.STOP);
            assertThat(onFx(() -> WindowParts.log(window).lines())).extracting(EventLogView.Line::text)
                    .anyMatch(t -> t.contains("STOP_COPY") && t.contains("device-state=stop-copy"));

            // Completion: the report is a tab, and saved as JSON.
            migrate.set("{\"status\": \"completed\", \"total-time\": 410, \"setup-time\": 7, \"downtime\": 37, "
                    + "\"ram\": {\"transferred\": 2000}, \"vfio\": {\"transferred\": 96}}");
            await(() -> robot.lookup("#qemu-report").tryQuery().isPresent()
                    && ((TextArea) robot.lookup("#qemu-report").query()).getText().contains("completed"));
            Path file = dir.resolve("report.json");
            onFx(() -> window.qemus().saveReport(file)).get(WAIT_S, TimeUnit.SECONDS);
            JsonNode report = Json.mapper().readTree(Files.readString(file)).path("qemus").get(0);
            assertThat(report.path("outcome").asText()).isEqualTo("completed");
            assertThat(report.path("devices").get(0).path("host_device").asText()).isEqualTo(UUID);
            assertThat(report.path("devices").get(0).path("states")).extracting(s -> s.path("qemu_state").asText())
                    .containsExactly("pre-copy", "stop-copy", "stop");
            assertThat(dir.toFile().list()).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    /**
     * The device's phases shaded behind every QEMU chart, from its VFIO_MIGRATION events: a band
     * for pre-copy open to the newest sample while it lasts, then pre-copy and stop-copy closed.
     */
    @Test
    void theChartsShadeTheDevicesPreCopyAndStopCopyFromItsEvents(FxRobot robot) throws Exception {
        AtomicReference<String> migrate = new AtomicReference<>("{\"status\": \"active\", \"ram\": "
                + "{\"transferred\": 1000, \"dirty-pages-rate\": 12}, \"vfio\": {\"transferred\": 96}, "
                + "\"expected-downtime\": 40}");
        try (FakeQmpServer qemu = fakeQemu(migrate)) {
            onFx(() -> window.qemus().attach(List.of(dir.resolve("vm.qmp")))).get(WAIT_S, TimeUnit.SECONDS);
            await(() -> WindowParts.devices(window).shownIds().contains("qemu:vm1:mtty0"));
            robot.interact(() -> WindowParts.devices(window).select("qemu:vm1:mtty0"));
            await(() -> WindowParts.graph(window).currentProperty().get() == MigState.RUNNING);
            List<String> charts = onFx(() -> WindowParts.charts(window).chartIds());
            assertThat(charts).hasSize(4);
            assertThat(onFx(() -> bands(charts.get(0)))).isEmpty();

            long now = System.currentTimeMillis() / 1000;
            qemu.vfioMigration(now, 100_000, "mtty0", QOM, "pre-copy");
            // Open: it reaches the newest sample, the right end of the time axis, on every chart.
            for (String id : charts) {
                await(() -> {
                    List<IntervalMarker> b = bands(id);
                    return b.size() == 1 && b.get(0).getEndValue() > b.get(0).getStartValue()
                            && b.get(0).getEndValue() == plot(id).getDomainAxis().getUpperBound();
                });
                assertThat(onFx(() -> bands(id))).extracting(IntervalMarker::getLabel).containsExactly("pre-copy");
            }

            qemu.vfioMigration(now, 200_000, "mtty0", QOM, "pre-copy-p2p");
            qemu.vfioMigration(now, 300_000, "mtty0", QOM, "stop-copy");
            qemu.vfioMigration(now, 337_000, "mtty0", QOM, "stop");
            await(() -> WindowParts.graph(window).currentProperty().get() == MigState.STOP);
            for (String id : charts) {
                await(() -> bands(id).size() == 2);
                List<IntervalMarker> b = onFx(() -> bands(id));
                assertThat(b).extracting(IntervalMarker::getLabel).containsExactly("pre-copy", "stop-copy");
                assertThat(b.get(0).getEndValue()).isEqualTo(b.get(1).getStartValue());
                assertThat(b.get(0).getEndValue() - b.get(0).getStartValue()).isCloseTo(0.2, within(1e-6));
                assertThat(b.get(1).getEndValue() - b.get(1).getStartValue()).isCloseTo(0.037, within(1e-6));
                assertThat(plot(id).getDomainMarkers(Layer.FOREGROUND)).isNull();
            }
        }
    }

    private XYPlot plot(String chartId) {
        return WindowParts.charts(window).chart(chartId).getXYPlot();
    }

    /** The phase bands a chart's plot carries, in the order they were laid. */
    private List<IntervalMarker> bands(String chartId) {
        Collection<?> markers = plot(chartId).getDomainMarkers(Layer.BACKGROUND);
        return markers == null ? List.of() : markers.stream().map(IntervalMarker.class::cast).toList();
    }

    /**
     * A QEMU's node selected when its migration ends: the report tab stays on that QEMU's report,
     * now final, and does not turn into every attached QEMU's.
     */
    @Test
    void aSelectedQemusReportStaysItsOwnWhenItsMigrationEnds(FxRobot robot) throws Exception {
        AtomicReference<String> migrate1 = new AtomicReference<>("{\"status\": \"active\"}");
        AtomicReference<String> migrate2 = new AtomicReference<>("{\"status\": \"active\"}");
        try (FakeQmpServer vm1 = fakeQemu(dir.resolve("vm1.qmp"), "vm1", migrate1);
                FakeQmpServer vm2 = fakeQemu(dir.resolve("vm2.qmp"), "vm2", migrate2)) {
            onFx(() -> window.qemus().attach(List.of(dir.resolve("vm1.qmp"), dir.resolve("vm2.qmp"))))
                    .get(WAIT_S, TimeUnit.SECONDS);
            await(() -> WindowParts.devices(window).shownQemus().equals(List.of("QEMU vm1", "QEMU vm2")));
            robot.interact(() -> WindowParts.devices(window).select("QEMU vm1"));
            await(() -> robot.lookup("#qemu-report").tryQuery().isPresent()
                    && reportText(robot).startsWith("QEMU vm1 (") && reportText(robot).contains("pending"));

            migrate1.set("{\"status\": \"completed\", \"total-time\": 410, \"setup-time\": 7, \"downtime\": 37, "
                    + "\"ram\": {\"transferred\": 2000}, \"vfio\": {\"transferred\": 96}}");
            assertThat(window.qemus().attached().get(0).outcome().get(WAIT_S, TimeUnit.SECONDS))
                    .isEqualTo(AttachedQemu.Outcome.COMPLETED);
            await(() -> reportText(robot).contains("migration completed, setup 7 ms, total 410 ms"));
            // The outcome's own turn on the FX thread comes after the observations it follows.
            WaitForAsyncUtils.waitForFxEvents(5);
            assertThat(reportText(robot)).startsWith("QEMU vm1 (").contains("): completed")
                    .doesNotContain("QEMU vm2");
        }
    }

    private static String reportText(FxRobot robot) {
        return ((TextArea) robot.lookup("#qemu-report").query()).getText();
    }

    /**
     * Start migration to... offers each QEMU the URI the user last gave it (QEMU refused it or not),
     * and another QEMU the example.
     */
    @Test
    void startMigrationOffersTheUriLastGivenToThatQemu(FxRobot robot) throws Exception {
        AtomicReference<String> migrate = new AtomicReference<>("{\"status\": \"none\"}");
        List<String> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (FakeQmpServer vm1 = fakeQemu(dir.resolve("vm1.qmp"), "vm1", migrate)
                        .reply("migrate", a -> {
                            sent.add(a.path("uri").asText());
                            return "{}";
                        });
                FakeQmpServer vm2 = fakeQemu(dir.resolve("vm2.qmp"), "vm2", migrate)) {
            onFx(() -> window.qemus().attach(List.of(dir.resolve("vm1.qmp"), dir.resolve("vm2.qmp"))))
                    .get(WAIT_S, TimeUnit.SECONDS);
            await(() -> WindowParts.devices(window).shownQemus().equals(List.of("QEMU vm1", "QEMU vm2")));
            robot.interact(() -> WindowParts.devices(window).select("QEMU vm1"));
            robot.clickOn("#action-arm");

            assertThat(openStartMigration(robot).getText()).isEqualTo("unix:/tmp/mig.sock");
            robot.interact(() -> dialogField(robot).setText("tcp:192.0.2.7:4444"));
            robot.clickOn(dialogButton(robot, "OK"));
            WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> sent.equals(List.of("tcp:192.0.2.7:4444")));

            assertThat(openStartMigration(robot).getText()).isEqualTo("tcp:192.0.2.7:4444");
            robot.clickOn(dialogButton(robot, "Cancel"));
            await(() -> robot.lookup(".dialog-pane").tryQuery().isEmpty());

            robot.interact(() -> WindowParts.devices(window).select("QEMU vm2"));
            robot.clickOn("#action-arm");
            assertThat(openStartMigration(robot).getText()).as("another QEMU").isEqualTo("unix:/tmp/mig.sock");
            robot.clickOn(dialogButton(robot, "Cancel"));
            await(() -> robot.lookup(".dialog-pane").tryQuery().isEmpty());

            robot.interact(() -> WindowParts.devices(window).select("QEMU vm1"));
            assertThat(openStartMigration(robot).getText()).isEqualTo("tcp:192.0.2.7:4444");
            robot.clickOn(dialogButton(robot, "Cancel"));
            assertThat(sent).containsExactly("tcp:192.0.2.7:4444");
        }
    }

    /** QEMU -> Start migration to... chosen; its dialog waits for the user, so the FX thread is not awaited. */
    private TextField openStartMigration(FxRobot robot) throws Exception {
        MenuBar bar = robot.lookup(".menu-bar").queryAs(MenuBar.class);
        MenuItem item = onFx(() -> bar.getMenus().stream().filter(m -> "menu-qemu".equals(m.getId()))
                .flatMap(m -> m.getItems().stream()).filter(i -> "Start migration to\u2026".equals(i.getText()))
                .findFirst().orElseThrow());
        assertThat(onFx(item::isDisable)).isFalse();
        WaitForAsyncUtils.asyncFx(item::fire);
        await(() -> robot.lookup(".dialog-pane .text-field").tryQuery().isPresent());
        return dialogField(robot);
    }

    private static TextField dialogField(FxRobot robot) {
        return robot.lookup(".dialog-pane .text-field").queryAs(TextField.class);
    }

    private static Button dialogButton(FxRobot robot, String text) {
        return robot.lookup(".dialog-pane .button").queryAllAs(Button.class).stream()
                .filter(b -> b.getText().equals(text)).findFirst().orElseThrow();
    }

    /**
     * Arming a QEMU in the window, end to end on two real QEMUs: its node selected shows its report
     * so far; the Arm button (a device's) arms it and marks its node; only then the QEMU menu
     * sets downtime-limit and starts a migration, which completes; the other QEMU stays unarmed.
     */
    @Test
    void anArmedQemuSetsDowntimeLimitAndMigratesFromTheWindow(FxRobot robot) throws Exception {
        Path mig = dir.resolve("mig.sock");
        try (QemuProcess src = QemuProcess.start(dir, "src");
                QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "unix:" + mig)) {
            onFx(() -> window.qemus().attach(List.of(src.qmp(), dst.qmp()))).get(WAIT_S, TimeUnit.SECONDS);
            await(() -> WindowParts.devices(window).shownQemus().equals(List.of("QEMU src", "QEMU dst")));
            ToggleButton arm = robot.lookup("#action-arm").queryAs(ToggleButton.class);
            assertThat(onFx(arm::isDisable)).as("nothing selected: nothing to arm").isTrue();

            robot.interact(() -> WindowParts.devices(window).select("QEMU src"));
            await(() -> robot.lookup("#tab-qemu-report").tryQuery().isPresent()
                    && ((TextArea) robot.lookup("#qemu-report").query()).getText().startsWith("QEMU src (10."));
            assertThat(((TextArea) robot.lookup("#qemu-report").query()).getText()).doesNotContain("QEMU dst")
                    .contains("source, " + src.qmp() + "): pending");
            assertThat(onFx(() -> window.qemus().enabledCommands())).isEmpty();
            assertThat(onFx(arm::isDisable)).isFalse();
            assertThat(robot.lookup(".qemu-armed").tryQuery()).isEmpty();

            robot.clickOn("#action-arm");
            await(() -> robot.lookup(".qemu-armed").tryQuery().isPresent());
            assertThat(robot.lookup(".qemu-armed .device-name").queryLabeled().getText()).isEqualTo("QEMU src");
            assertThat(robot.lookup(".qemu-armed .device-detail").queryLabeled().getText()).startsWith("ARMED: ");
            assertThat(onFx(arm::isSelected)).isTrue();
            assertThat(robot.lookup("#status-armed").queryLabeled().getText()).isEqualTo("QEMU ARMED");
            assertThat(robot.lookup("#status-device").queryLabeled().getText()).isEqualTo("QEMU src");
            assertThat(onFx(() -> window.qemus().enabledCommands())).containsExactly("Start migration to\u2026",
                    "Cancel migration", "Set downtime limit\u2026");
            assertThat(logText()).contains("QEMU src armed");

            onFx(() -> window.qemus().setDowntimeLimit(200)).get(WAIT_S, TimeUnit.SECONDS);
            assertThat(src.control().call("query-migrate-parameters", null).path("downtime-limit").asLong())
                    .isEqualTo(200);
            assertThat(logText()).contains("src  armed: sent migrate-set-parameters downtime-limit=200");

            // A host device selected instead (QEMU holds it, so it does not open): nothing is armed or armable.
            robot.interact(() -> WindowParts.devices(window).select(UUID));
            await(() -> arm.isDisable() && !arm.isSelected());
            assertThat(onFx(() -> window.qemus().enabledCommands())).isEmpty();
            assertThat(robot.lookup("#status-armed").queryLabeled().getText()).isEmpty();

            // The destination is not armed: selected, its commands are off, and a call is refused, nothing sent.
            robot.interact(() -> WindowParts.devices(window).select("QEMU dst"));
            await(() -> !arm.isSelected());
            assertThat(robot.lookup("#status-armed").queryLabeled().getText()).isEqualTo("QEMU not armed");
            assertThat(onFx(() -> window.qemus().enabledCommands())).isEmpty();
            Throwable refused = onFx(() -> window.qemus().cancelMigration()).handle((o, e) -> e)
                    .get(WAIT_S, TimeUnit.SECONDS);
            assertThat(refused).isNotNull();
            assertThat(logText()).contains("dst: " + dst.qmp() + ": not armed: migscope does not cancel the migration");

            robot.interact(() -> WindowParts.devices(window).select("QEMU src"));
            await(arm::isSelected);
            onFx(() -> window.qemus().migrate("unix:" + mig)).get(WAIT_S, TimeUnit.SECONDS);
            List<AttachedQemu> both = window.qemus().attached();
            assertThat(both.get(0).outcome().get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(AttachedQemu.Outcome.COMPLETED);
            assertThat(both.get(1).outcome().get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(AttachedQemu.Outcome.COMPLETED);
            await(() -> ((TextArea) robot.lookup("#qemu-report").query()).getText().contains("migration completed"));

            // Ctrl+A, the shortcut devices use, disarms it.
            robot.press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL);
            await(() -> robot.lookup(".qemu-armed").tryQuery().isEmpty());
            assertThat(logText()).contains("QEMU src disarmed");
            assertThat(onFx(() -> window.qemus().enabledCommands())).isEmpty();
        }
    }

    /** The File and Device menu items that drive a device and are enabled now. */
    private List<String> drivingItemsEnabled(FxRobot robot) throws Exception {
        MenuBar bar = robot.lookup(".menu-bar").queryAs(MenuBar.class);
        return onFx(() -> bar.getMenus().stream().flatMap(m -> m.getItems().stream())
                .filter(i -> !i.isDisable()).map(MenuItem::getText).filter(t -> t != null
                        && (t.startsWith("Save stream") || t.startsWith("Reset") || t.startsWith("Inject")))
                .toList());
    }

    /** A QEMU 10 source with one mtty device (vfio-pci, migration-events on), answering from a script. */
    private FakeQmpServer fakeQemu(AtomicReference<String> migrate) throws Exception {
        return fakeQemu(dir.resolve("vm.qmp"), "vm1", migrate);
    }

    /** {@link #fakeQemu(AtomicReference)} on {@code socket}, named {@code name}. */
    private FakeQmpServer fakeQemu(Path socket, String name, AtomicReference<String> migrate) throws Exception {
        return FakeQmpServer.start(socket, FakeQmpServer.greeting(10, 0, 0))
                .reply("qmp_capabilities", "{}")
                .reply("query-name", "{\"name\": \"" + name + "\"}")
                .reply("query-status", "{\"status\": \"running\", \"running\": true}")
                .reply("query-migrate-parameters", "{\"downtime-limit\": 300}")
                .reply("query-migrate-capabilities", "[{\"capability\": \"events\", \"state\": false}]")
                .reply("query-migrate", a -> migrate.get())
                .reply("qom-list", a -> a.path("path").asText().equals("/machine/peripheral")
                        ? "[{\"name\": \"type\", \"type\": \"string\"}, {\"name\": \"mtty0\", "
                                + "\"type\": \"child<vfio-pci>\"}]"
                        : "[{\"name\": \"type\", \"type\": \"string\"}]")
                .reply("qom-get", a -> switch (a.path("property").asText()) {
                    case "sysfsdev" -> "\"/sys/bus/mdev/devices/" + UUID + "\"";
                    case "host" -> "\"\"";
                    default -> "true";
                });
    }

    /** The host's listing: the mdev the fake QEMU migrates, held by a QEMU. */
    private static final class HostWithMtty implements DeviceBackend {
        private static final DeviceInfo MTTY = new DeviceInfo(UUID, DeviceKind.MDEV, "mtty", null, "mtty-2", null,
                null, 7, null, new Owner(QEMU_PID, "qemu-system-x86_64"),
                MigFeatures.ALL, null, null);

        @Override
        public String name() {
            return "host";
        }

        @Override
        public List<DeviceInfo> list() {
            return List.of(MTTY);
        }

        @Override
        public boolean owns(String id) {
            return id.equals(UUID);
        }

        @Override
        public DeviceSession open(String id) throws VfioException {
            throw new VfioException(VfioError.of(Errno.EBUSY, "open", id, "QEMU holds it"));
        }
    }
}
