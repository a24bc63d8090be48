package dev.migscope.ui.mainwindow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.fsm.MigState;
import dev.migscope.session.MigrationSession;
import dev.migscope.session.SessionOptions;
import dev.migscope.sim.SimBackend;
import dev.migscope.sim.SimClock;
import dev.migscope.view.DeviceEvent;
import dev.migscope.view.TransitionResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The selection applies a view's state when the view's event reaches the FX thread, not on the
 * next frame's poll: here nothing polls (no window, no animation timer), only events arrive.
 */
@ExtendWith(ApplicationExtension.class)
class SelectedDeviceTest {

    @Test
    void aTransitionsStepsAndItsEndAreShownAsTheirEventsArriveInThePathsOrder() throws Exception {
        DeviceRegistry registry = new DeviceRegistry(List.of(), List.of(new SimBackend(SimClock.system())), true);
        // No sampler tick during the test: the states can only come from the transition's events.
        SessionOptions options = SessionOptions.defaults().withArmed(true).withSampleInterval(Duration.ofHours(1));
        try (MigrationSession s = MigrationSession.open(registry, "sim:mlx5-0", options)) {
            SelectedDevice selected = new SelectedDevice();
            List<MigState> shown = new CopyOnWriteArrayList<>();
            List<DeviceEvent.Kind> logged = new CopyOnWriteArrayList<>();
            Platform.runLater(() -> {
                selected.viewProperty().set(s);
                selected.stateProperty().addListener((o, was, now) -> shown.add(now));
                selected.onEvent(e -> logged.add(e.kind()));
            });
            WaitForAsyncUtils.waitForFxEvents();
            assertThat(selected.stateProperty().get()).isEqualTo(MigState.RUNNING);

            TransitionResult r = s.transition(MigState.STOP_COPY).get(10, TimeUnit.SECONDS);
            assertThat(r.ok()).as(r.summary()).isTrue();
            WaitForAsyncUtils.waitForFxEvents();

            assertThat(logged).contains(DeviceEvent.Kind.STEP, DeviceEvent.Kind.TRANSITION);
            assertThat(selected.stateProperty().get()).isEqualTo(MigState.STOP_COPY);
            // Never back to an older state than one already shown: a subsequence of the kernel's walk.
            assertThat(shown).isSubsetOf(MigState.RUNNING_P2P, MigState.STOP, MigState.STOP_COPY)
                    .doesNotHaveDuplicates().endsWith(MigState.STOP_COPY);
            assertThat(List.of(MigState.RUNNING_P2P, MigState.STOP, MigState.STOP_COPY)).containsSubsequence(shown);
        }
    }
}
