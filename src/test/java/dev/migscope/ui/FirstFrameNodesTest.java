package dev.migscope.ui;

import dev.migscope.ui.common.Theme;
import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.session.SessionOptions;
import dev.migscope.testsupport.FakeBackend;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The first frame's CSS and layout pass walk every node of the scene: the window keeps that
 * count down (one Path per graph arc, tabs and pop-ups built when first shown).
 */
@ExtendWith(ApplicationExtension.class)
class FirstFrameNodesTest {

    /**
     * The window's nodes after its first pulse, skins included: 526 when each graph arc was a group
     * of four and the step badges and the save progress were built up front, 377 since.
     */
    private static final int MAX_NODES = 400;
    /** The graph's share: 217 before, 76 since (a state is 6 nodes, an arc one). */
    private static final int MAX_GRAPH_NODES = 80;

    private InspectorWindow window;

    @Start
    void start(Stage stage) {
        window = new InspectorWindow(FakeBackend.registry(FakeBackend.oneOfEachFeatureSet()), Theme.LIGHT, SessionOptions.defaults());
        stage.setScene(window.scene());
        stage.show();
    }

    @AfterEach
    void close(FxRobot robot) {
        robot.interact(window::dispose);
    }

    @Test
    void theFirstFrameHasFewNodes() throws Exception {
        WaitForAsyncUtils.waitForFxEvents();
        int nodes = WaitForAsyncUtils.asyncFx(() -> count(window.scene().getRoot())).get();
        int graph = WaitForAsyncUtils.asyncFx(() -> count(WindowParts.graph(window))).get();
        System.out.println("first frame: " + nodes + " nodes, of them the graph " + graph);
        assertThat(nodes).isLessThanOrEqualTo(MAX_NODES);
        assertThat(graph).isLessThanOrEqualTo(MAX_GRAPH_NODES);
    }

    static int count(Node n) {
        int c = 1;
        if (n instanceof Parent p) {
            for (Node child : p.getChildrenUnmodifiable()) {
                c += count(child);
            }
        }
        return c;
    }
}
