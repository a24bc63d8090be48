package dev.migscope.ui.charts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import javafx.scene.Scene;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

@ExtendWith(ApplicationExtension.class)
class ChartsPaneTest {

    private ChartsPane charts;

    @Start
    void start(Stage stage) {
        charts = new ChartsPane();
        stage.setScene(new Scene(charts, 900, 600));
        stage.show();
    }

    @Test
    void chartsDrawNothingUntilStartedThenEachOnceUntilSomethingChanges(FxRobot robot) throws Exception {
        // Pulses run (the stage is shown and laid out) without a single chart drawn.
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> charts.getWidth() > 0);
        WaitForAsyncUtils.waitForFxEvents(5);
        assertThat(charts.draws()).isZero();

        robot.interact(charts::startDrawing);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> charts.draws() >= 4);
        WaitForAsyncUtils.waitForFxEvents(5);
        assertThat(charts.draws()).isEqualTo(4);

        // A resize redraws each chart once, in the layout pass, however many events it fired.
        robot.interact(() -> charts.getScene().getWindow().setWidth(1000));
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> charts.draws() >= 8);
        WaitForAsyncUtils.waitForFxEvents(5);
        assertThat(charts.draws()).isEqualTo(8);
    }
}
