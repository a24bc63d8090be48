package dev.migscope.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.conform.ConformanceReport;
import dev.migscope.conform.ReportJson;
import dev.migscope.conform.Rule;
import dev.migscope.conform.Status;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.fsm.MigState;
import dev.migscope.session.SessionOptions;
import dev.migscope.ui.conform.ConformanceView;
import dev.migscope.ui.common.Theme;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Label;
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
 * The Conformance tab over the simulator the application ships (DeviceRegistry.load, which also
 * finds the broken simulated drivers by id). The waits are hang guards, not timing assertions.
 */
@ExtendWith(ApplicationExtension.class)
class ConformanceTabTest {

    private static final long WAIT_S = 30;
    private static final long RUN_WAIT_S = 180;

    private InspectorWindow window;

    @Start
    void start(Stage stage) {
        window = new InspectorWindow(DeviceRegistry.load(true), Theme.LIGHT, SessionOptions.defaults());
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

    private void waitForSession(String id) throws Exception {
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> onFx(() -> window.deviceList().session() != null
                && window.deviceList().session().id().equals(id) && WindowParts.graph(window).currentProperty().get() != null));
    }

    private ConformanceView openTab() throws Exception {
        return onFx(() -> WindowParts.conformance(window));
    }

    private ConformanceReport runWith(FxRobot robot, ConformanceView view, int repeats) throws Exception {
        robot.interact(() -> view.repeats().getValueFactory().setValue(repeats));
        robot.clickOn("#conform-run");
        WaitForAsyncUtils.waitFor(RUN_WAIT_S, TimeUnit.SECONDS, () -> onFx(() -> !view.runningProperty().get()
                && view.report() != null));
        return onFx(view::report);
    }

    @Test
    void aCorrectDeviceRunsWithNoFailureAndItsSessionIsOpenAgainAfterwards(FxRobot robot, @TempDir Path dir)
            throws Exception {
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> WindowParts.devices(window).shownIds().contains("sim:pds-0"));
        robot.interact(() -> WindowParts.devices(window).select("sim:pds-0"));
        waitForSession("sim:pds-0");
        ConformanceView view = openTab();
        assertThat(onFx(() -> robot.lookup("#conform-device").queryAs(Label.class).getText())).isEqualTo("sim:pds-0");

        ConformanceReport r = runWith(robot, view, 2);

        assertThat(r.deviceId()).isEqualTo("sim:pds-0");
        assertThat(r.repeats()).isEqualTo(2);
        List<ConformanceView.Row> rows = onFx(() -> List.copyOf(view.table().getItems()));
        assertThat(rows).hasSize(r.results().size() + r.notApplicable().size()).isNotEmpty();
        assertThat(rows).noneMatch(x -> x.status().equals("fail"));
        assertThat(r.count(Status.FAIL)).isZero();
        assertThat(r.hasFailures()).isFalse();
        String summary = onFx(() -> view.summary().getText());
        assertThat(summary).startsWith(r.count(Status.PASS) + " passed, 0 failed, ")
                .contains("sim:pds-0: restored to RUNNING (");

        // The inspector has the device again, and shows its state.
        waitForSession("sim:pds-0");
        assertThat(onFx(() -> window.deviceList().session().isArmed())).isTrue();
        assertThat(onFx(() -> robot.lookup("#status-state").queryAs(Label.class).getText()))
                .isEqualTo("state " + MigState.RUNNING);
        assertThat(onFx(() -> WindowParts.devices(window).isDisabled())).isFalse();

        Path json = dir.resolve("report.json");
        assertThat(onFx(() -> view.saveJson(json)).get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(json);
        assertThat(Files.readString(json, StandardCharsets.UTF_8)).contains("\"" + ReportJson.SCHEMA + "\"")
                .contains("\"failed\":0");
    }

    @Test
    void aBrokenResetIsAFailureNamingTheResetRule(FxRobot robot) throws Exception {
        String id = "sim:broken-reset-stop-0";
        robot.interact(() -> window.deviceList().open(id));
        waitForSession(id);
        ConformanceView view = openTab();

        ConformanceReport r = runWith(robot, view, 2);

        List<ConformanceView.Row> rows = onFx(() -> List.copyOf(view.table().getItems()));
        assertThat(rows).anyMatch(x -> x.status().equals("fail") && x.rule().equals(Rule.RESET_RUNNING.id())
                && x.id().startsWith("reset."));
        assertThat(r.count(Status.FAIL)).isPositive();
        int failed = rows.indexOf(rows.stream().filter(x -> x.status().equals("fail")).findFirst().orElseThrow());
        robot.interact(() -> view.table().scrollTo(failed));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(robot.from(view.table()).lookup(".table-row-cell.conform-fail").queryAll()).isNotEmpty();
        assertThat(onFx(() -> view.summary().getText())).contains(r.count(Status.FAIL) + " failed");
        waitForSession(id);
    }

    @Test
    void aDisarmedDeviceIsNotRunAndKeepsItsSession(FxRobot robot) throws Exception {
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> WindowParts.devices(window).shownIds().contains("sim:pds-0"));
        robot.interact(() -> WindowParts.devices(window).select("sim:pds-0"));
        waitForSession("sim:pds-0");
        var before = onFx(() -> window.deviceList().session());
        assertThat(onFx(() -> before.isArmed())).isTrue();
        robot.clickOn("#action-arm");
        assertThat(onFx(() -> before.isArmed())).isFalse();
        ConformanceView view = openTab();

        assertThat(onFx(view::run).get(WAIT_S, TimeUnit.SECONDS)).isNull();

        assertThat(onFx(() -> view.summary().getText())).contains("not armed");
        assertThat(onFx(view::report)).isNull();
        assertThat(onFx(() -> window.deviceList().session())).isSameAs(before);
    }
}
