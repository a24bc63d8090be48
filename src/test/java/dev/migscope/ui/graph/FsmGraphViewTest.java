package dev.migscope.ui.graph;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.ui.common.Png;
import dev.migscope.ui.common.Theme;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

@ExtendWith(ApplicationExtension.class)
class FsmGraphViewTest {

    private FsmGraphView graph;
    private final List<MigState> asked = new ArrayList<>();

    @Start
    void start(Stage stage) {
        graph = new FsmGraphView();
        graph.setOnTarget(asked::add);
        Scene scene = new Scene(graph, 1000, 500);
        Theme.LIGHT.apply(scene);
        stage.setScene(scene);
        stage.show();
    }

    @Test
    void everyStateAndArcHasItsIdAndClasses(FxRobot robot) {
        for (MigFeatures f : MigFeatures.VALID_SETS) {
            robot.interact(() -> {
                graph.featuresProperty().set(f);
                graph.currentProperty().set(MigState.STOP);
            });
            GraphHighlight expected = GraphHighlight.of(f, MigState.STOP, null);
            for (MigState s : MigState.values()) {
                Node n = robot.lookup("#state-" + s.name()).query();
                assertThat(n.getStyleClass()).as("%s %s", f, s)
                        .filteredOn(GraphHighlight.ALL_CLASSES::contains)
                        .containsExactlyInAnyOrderElementsOf(expected.classesOf("state-" + s.name()));
            }
            for (Arc a : MigrationFsm.allArcs()) {
                Node n = robot.lookup("#" + a.id()).query();
                assertThat(n.getStyleClass()).as("%s %s", f, a).contains(
                        MigrationFsm.directArcs(f).contains(a) ? GraphHighlight.USABLE : GraphHighlight.UNSUPPORTED);
            }
        }
    }

    @Test
    void hoveringAStateOrAnArcShowsItsTooltip(FxRobot robot) throws Exception {
        robot.interact(() -> {
            graph.featuresProperty().set(MigFeatures.ALL);
            graph.currentProperty().set(MigState.RUNNING);
        });
        robot.moveTo("#state-PRE_COPY_P2P");
        awaitTooltip("PRE_COPY_P2P (device_state 7)\n");
        robot.moveTo("#state-STOP").moveTo("#state-RUNNING_P2P");
        awaitTooltip("RUNNING_P2P (device_state 5)\n");
        Node arc = robot.lookup("#arc-RUNNING-RUNNING_P2P").query();
        robot.moveTo(arc);
        awaitTooltip("RUNNING \u2192 RUNNING_P2P\n");
    }

    /** Waits (past the show delay) for a showing tooltip whose text starts with {@code start}. */
    private static void awaitTooltip(String start) throws Exception {
        WaitForAsyncUtils.waitFor(5, java.util.concurrent.TimeUnit.SECONDS, () -> {
            java.util.concurrent.FutureTask<Boolean> q = new java.util.concurrent.FutureTask<>(() ->
                    javafx.stage.Window.getWindows().stream()
                            .filter(w -> w instanceof javafx.scene.control.Tooltip && w.isShowing())
                            .anyMatch(w -> ((javafx.scene.control.Tooltip) w).getText().startsWith(start)));
            javafx.application.Platform.runLater(q);
            return q.get();
        });
    }

    @Test
    void hoverPreviewsTheKernelsPath(FxRobot robot) throws Exception {
        robot.interact(() -> {
            graph.featuresProperty().set(MigFeatures.ALL);
            graph.currentProperty().set(MigState.RUNNING);
        });
        robot.moveTo("#state-STOP_COPY");
        WaitForAsyncUtils.waitForFxEvents();
        var path = MigrationFsm.path(MigFeatures.ALL, MigState.RUNNING, MigState.STOP_COPY);
        assertThat(graph.highlight().preview()).contains(path);
        for (Arc a : path.arcs()) {
            assertThat(robot.lookup("#" + a.id()).query().getStyleClass()).contains(GraphHighlight.ON_PATH);
        }
        Path png = Path.of("target", "screenshots", "graph-hover-light.png");
        robot.interact(() -> {
            try {
                Png.write(graph, png);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(Files.size(png)).isGreaterThan(1000);
        robot.moveTo("#state-ERROR");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(graph.captionText()).contains("ERROR cannot be requested");
    }

    @Test
    void clickAndDigitAskForTargets(FxRobot robot) {
        robot.interact(() -> {
            graph.featuresProperty().set(MigFeatures.ALL);
            graph.currentProperty().set(MigState.RUNNING);
        });
        robot.clickOn("#state-PRE_COPY");
        robot.type(KeyCode.DIGIT1);
        assertThat(asked).containsExactly(MigState.PRE_COPY, MigState.STOP);
    }
}
