package dev.migscope.ui;

import dev.migscope.ui.common.Theme;
import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceRegistry;
import java.util.concurrent.TimeUnit;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** What {@code migscope window --device ID --theme dark} shows: that device open and selected, in that theme. */
@ExtendWith(ApplicationExtension.class)
class InspectorAppTest {

    private final DeviceRegistry registry = DeviceRegistry.load(true);
    private Stage stage;
    private InspectorWindow window;

    @Start
    void start(Stage stage) {
        this.stage = stage;
    }

    @AfterEach
    void close(FxRobot robot) {
        if (window != null) {
            robot.interact(window::dispose);
        }
    }

    private void showAndWait(FxRobot robot, String id) throws Exception {
        robot.interact(() -> window = InspectorApp.show(stage, registry, Theme.DARK, id));
        // A hang guard, not a timing assertion: opening a simulated device takes milliseconds.
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> WaitForAsyncUtils.asyncFx(() ->
                window.session() != null && window.session().id().equals(id)).get());
    }

    private DeviceInfo selected() throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> window.devices().selectedProperty().get()).get();
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
        assertThat(WaitForAsyncUtils.asyncFx(() -> window.devices().shownIds()).get()).contains(id, "sim:pds-0");
        window.rescan().get(20, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(WaitForAsyncUtils.asyncFx(() -> window.devices().shownIds()).get()).contains(id);
        assertThat(WaitForAsyncUtils.asyncFx(() -> window.session().id()).get()).isEqualTo(id);
    }
}
