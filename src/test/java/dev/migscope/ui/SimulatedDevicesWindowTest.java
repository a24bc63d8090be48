package dev.migscope.ui;

import dev.migscope.ui.common.Theme;
import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.session.MigrationSession;
import dev.migscope.session.SessionOptions;
import dev.migscope.ui.graph.GraphHighlight;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.Node;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The window over the simulator the application really ships (DeviceRegistry.load), one device per feature set. */
@ExtendWith(ApplicationExtension.class)
class SimulatedDevicesWindowTest {

    private InspectorWindow window;
    private final DeviceRegistry registry = DeviceRegistry.load(true);

    @Start
    void start(Stage stage) {
        window = new InspectorWindow(registry, Theme.DARK, SessionOptions.defaults());
        stage.setScene(window.scene());
        stage.show();
    }

    @AfterEach
    void close(FxRobot robot) {
        robot.interact(window::dispose);
    }

    @Test
    void aSimulatedDeviceOfEachFeatureSetIsClassifiedAsTheFsmSays(FxRobot robot) throws Exception {
        List<DeviceInfo> sims = registry.list().stream().filter(d -> d.kind() == DeviceKind.SIM).toList();
        for (MigFeatures f : MigFeatures.VALID_SETS) {
            DeviceInfo d = sims.stream().filter(x -> f.equals(x.features())).findFirst().orElseThrow(() ->
                    new AssertionError("the simulator has no device with features " + f));
            WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> WindowParts.devices(window).shownIds().contains(d.id()));
            robot.interact(() -> WindowParts.devices(window).select(d.id()));
            WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> WaitForAsyncUtils.asyncFx(() ->
                    window.deviceList().session() != null && window.deviceList().session().id().equals(d.id())
                            && WindowParts.graph(window).currentProperty().get() != null).get());
            MigrationSession s = WaitForAsyncUtils.asyncFx(() -> window.deviceList().session()).get();
            MigState current = WaitForAsyncUtils.asyncFx(() -> WindowParts.graph(window).currentProperty().get()).get();
            GraphHighlight expected = GraphHighlight.of(s.features(), current, null);
            assertThat(s.features()).isEqualTo(f);
            for (MigState st : MigState.values()) {
                Node n = robot.from(WindowParts.graph(window)).lookup("#" + GraphHighlight.stateId(st)).query();
                assertThat(n.getStyleClass()).as("%s %s", d.id(), st)
                        .filteredOn(GraphHighlight.ALL_CLASSES::contains)
                        .containsExactlyInAnyOrderElementsOf(expected.classesOf(GraphHighlight.stateId(st)));
            }
            for (Arc a : MigrationFsm.allArcs()) {
                Node n = robot.from(WindowParts.graph(window)).lookup("#" + a.id()).query();
                assertThat(n.getStyleClass()).as("%s %s", d.id(), a)
                        .filteredOn(GraphHighlight.ALL_CLASSES::contains)
                        .containsExactlyInAnyOrderElementsOf(expected.classesOf(a.id()));
            }
        }
    }
}
