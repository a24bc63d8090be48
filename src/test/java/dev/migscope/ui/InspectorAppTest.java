package dev.migscope.ui;

import dev.migscope.ui.common.Theme;
import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.fsm.MigState;
import dev.migscope.sim.SimBackend;
import dev.migscope.sim.SimClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * What {@code migscope window --device ID --theme dark} shows: that device open and selected, in that
 * theme; and without {@code --device}, a device at once: the first listed, then the one shown last.
 */
@ExtendWith(ApplicationExtension.class)
class InspectorAppTest {

    private final DeviceRegistry registry = DeviceRegistry.load(true);
    /** What a host without VFIO devices lists: the simulated ones. */
    private final DeviceRegistry noVfio = new DeviceRegistry(List.of(), List.of(new SimBackend(SimClock.system())), false);
    @TempDir
    Path dir;
    private UserFiles files;
    private Stage stage;
    private InspectorWindow window;

    @Start
    void start(Stage stage) {
        this.stage = stage;
    }

    @BeforeEach
    void files() {
        files = new UserFiles(dir.resolve("config/migscope"), dir.resolve("state/migscope"));
    }

    @AfterEach
    void close(FxRobot robot) {
        if (window != null) {
            robot.interact(window::dispose);
        }
    }

    private void showAndWait(FxRobot robot, String id) throws Exception {
        robot.interact(() -> window = InspectorApp.show(stage, registry, Theme.DARK, id, files));
        waitForSession(id);
    }

    /**
     * Starts the window on a host without VFIO devices, with {@code --device deviceId} (null: none),
     * and waits until {@code expected} is open.
     */
    private void start(FxRobot robot, String deviceId, String expected) throws Exception {
        robot.interact(() -> window = InspectorApp.show(stage, noVfio, Theme.DARK, deviceId, files));
        waitForSession(expected);
    }

    private void waitForSession(String id) throws Exception {
        // A hang guard, not a timing assertion: opening a simulated device takes milliseconds.
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> WaitForAsyncUtils.asyncFx(() ->
                window.deviceList().session() != null && window.deviceList().session().id().equals(id)).get());
    }

    /** Closes the window as quitting does, once the device shown last is written (the write runs off the FX thread). */
    private void quitOnce(FxRobot robot, String remembered) throws Exception {
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> files.loadDevice(p -> { }).equals(Optional.of(remembered)));
        robot.interact(window::dispose);
        window = null;
    }

    private DeviceInfo selected() throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> WindowParts.devices(window).selectedProperty().get()).get();
    }

    @Test
    void aListedDeviceIsOpenedAndSelected(FxRobot robot) throws Exception {
        assertThat(registry.list()).extracting(DeviceInfo::id).contains("sim:pds-0");

        showAndWait(robot, "sim:pds-0");

        assertThat(selected().id()).isEqualTo("sim:pds-0");
        assertThat(WaitForAsyncUtils.asyncFx(window::theme).get()).isEqualTo(Theme.DARK);
        assertThat(stage.getScene()).isSameAs(window.scene());
    }

    /** The broken simulated drivers are never listed; opened by id, they join this window's list. */
    @Test
    void anUnlistedDeviceOpenedByIdJoinsTheListSelectedAndStaysAfterARescan(FxRobot robot) throws Exception {
        String id = "sim:broken-enomsg-0";
        assertThat(registry.list()).extracting(DeviceInfo::id).doesNotContain(id);

        showAndWait(robot, id);

        assertThat(selected().id()).isEqualTo(id);
        assertThat(WaitForAsyncUtils.asyncFx(() -> WindowParts.devices(window).shownIds()).get()).contains(id, "sim:pds-0");
        window.deviceList().rescan().get(20, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(WaitForAsyncUtils.asyncFx(() -> WindowParts.devices(window).shownIds()).get()).contains(id);
        assertThat(WaitForAsyncUtils.asyncFx(() -> window.deviceList().session().id()).get()).isEqualTo(id);
    }

    @Test
    void aFirstStartShowsTheFirstDeviceLiveAndTheNextStartTheOneShownLast(FxRobot robot) throws Exception {
        List<String> listed = noVfio.list().stream().map(DeviceInfo::id).toList();
        assertThat(listed).hasSizeGreaterThan(1);

        start(robot, null, listed.get(0));
        assertThat(selected().id()).isEqualTo(listed.get(0));
        // Live: the charts plot the device's samples, the graph shows its state.
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> WaitForAsyncUtils.asyncFx(() ->
                WindowParts.charts(window).points("chart-stopcopy") > 0).get());
        assertThat(WaitForAsyncUtils.asyncFx(() -> WindowParts.graph(window).currentProperty().get()).get())
                .isEqualTo(MigState.RUNNING);
        assertThat(Files.getPosixFilePermissions(files.deviceFile())).containsExactlyInAnyOrder(
                PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

        String other = listed.get(listed.size() - 1);
        robot.interact(() -> window.deviceList().show(other));
        waitForSession(other);
        quitOnce(robot, other);

        start(robot, null, other);
        assertThat(selected().id()).isEqualTo(other);
        assertThat(WaitForAsyncUtils.asyncFx(() -> WindowParts.log(window).text()).get()).doesNotContain("shown last");

        // --device still wins over the one shown last, and is remembered in turn.
        quitOnce(robot, other);
        start(robot, listed.get(0), listed.get(0));
        quitOnce(robot, listed.get(0));
    }

    @Test
    void aStaleOrDamagedRememberedDeviceFallsBackToTheFirstListed(FxRobot robot) throws Exception {
        String first = noVfio.list().get(0).id();
        files.rememberDevice("sim:unplugged-9");

        start(robot, null, first);
        assertThat(WaitForAsyncUtils.asyncFx(() -> WindowParts.log(window).text()).get())
                .contains("sim:unplugged-9, the device shown last, cannot be opened now (not listed, or busy): showing "
                        + first);
        quitOnce(robot, first);

        Files.write(files.deviceFile(), new byte[] {(byte) 0xff, (byte) 0xfe, 10});
        start(robot, null, first);
        assertThat(WaitForAsyncUtils.asyncFx(() -> WindowParts.log(window).text()).get())
                .contains(files.deviceFile() + " holds no device id (damaged?): left out");
    }
}
