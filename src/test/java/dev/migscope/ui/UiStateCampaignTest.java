package dev.migscope.ui;

import dev.migscope.ui.common.Theme;
import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Errno;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.session.MigrationSession;
import dev.migscope.session.SessionOptions;
import dev.migscope.view.StreamResult;
import dev.migscope.session.TransitionMode;
import dev.migscope.sim.ManualClock;
import dev.migscope.sim.SimBackend;
import dev.migscope.sim.SimProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
 * The fault campaign through the window: 600 seeded operations (150 a device, one device per
 * feature set) made with the window's own actions (the graph's transition request, reset, save,
 * resume, fault injection) on small simulated devices. After every operation the window's session
 * and the graph model's current state (set on the next animation frame; waited for, with a hang
 * guard) equal the device's real state as the simulator lists it. The CLI's view is compared in
 * {@code cli.FaultCampaignTest}.
 */
@ExtendWith(ApplicationExtension.class)
class UiStateCampaignTest {

    static final int PER_DEVICE = 150;

    @TempDir
    Path dir;

    final ManualClock clock = new ManualClock();
    final DeviceRegistry registry = new DeviceRegistry(List.of(), List.of(new SimBackend(clock, tiny())), true);
    private InspectorWindow window;

    static Map<String, SimProfile> tiny() {
        long page = SimProfile.PAGE_BYTES;
        long mib = 1 << 20;
        Map<String, SimProfile> m = new LinkedHashMap<>();
        m.put("sim:ui-sc", new SimProfile("ui_sc", MigFeatures.STOP_COPY_ONLY, "migscope", "tiny", 2 * page, 0, mib,
                1024 * mib, false, 0));
        m.put("sim:ui-p2p", new SimProfile("ui_p2p", MigFeatures.parse("stop-copy,p2p"), "migscope", "tiny",
                2 * page, 0, mib, 1024 * mib, true, 100));
        m.put("sim:ui-pre", new SimProfile("ui_pre", MigFeatures.parse("stop-copy,pre-copy"), "migscope", "tiny",
                2 * page, page, mib, 1024 * mib, false, 0));
        m.put("sim:ui-all", new SimProfile("ui_all", MigFeatures.ALL, "migscope", "tiny", 2 * page, page, mib,
                1024 * mib, true, 100));
        return m;
    }

    @Start
    void start(Stage stage) {
        SessionOptions o = new SessionOptions(Duration.ofHours(1), 100, SessionOptions.DEFAULT_LINK_BANDWIDTH, false,
                TransitionMode.STEPWISE, Duration.ofSeconds(1), 1 << 20, clock::nanoTime);
        window = new InspectorWindow(registry, Theme.DARK, o);
        stage.setScene(window.scene());
        stage.show();
    }

    @AfterEach
    void close(FxRobot robot) {
        robot.interact(window::dispose);
    }

    /** Calls a window action on the FX thread, as a click would, and waits for the device's answer. */
    private <T> T act(Callable<CompletableFuture<T>> action) throws Exception {
        return WaitForAsyncUtils.asyncFx(action).get(30, TimeUnit.SECONDS).get(30, TimeUnit.SECONDS);
    }

    @Test
    void theGraphAlwaysShowsTheDevicesState() throws Exception {
        int ops = 0;
        int errors = 0;
        for (String id : tiny().keySet()) {
            MigrationSession s = act(() -> window.deviceList().open(id));
            WaitForAsyncUtils.asyncFx(() -> window.actions().setArmed(true)).get(30, TimeUnit.SECONDS);
            assertThat(s.isArmed()).isTrue();
            SplittableRandom rnd = new SplittableRandom(id.hashCode());
            List<Arc> arcs = new ArrayList<>(MigrationFsm.directArcs(s.features()));
            Path file = dir.resolve(id.replace(':', '_') + ".mig");
            for (int i = 0; i < PER_DEVICE; i++) {
                MigState before = real(id);
                int x = rnd.nextInt(100);
                String what;
                if (x < 60) {
                    MigState target = MigState.values()[rnd.nextInt(MigState.values().length)];
                    what = act(() -> window.actions().requestTransition(target)).summary();
                } else if (x < 70) {
                    what = act(() -> window.actions().reset()).summary();
                } else if (x < 78) {
                    StreamResult r = act(() -> window.streams().saveTo(file));
                    what = "save " + r.error();
                } else if (x < 84 && Files.exists(file)) {
                    StreamResult r = act(() -> window.streams().resumeFrom(file));
                    what = "resume " + r.error();
                } else {
                    Arc arc = arcs.get(rnd.nextInt(arcs.size()));
                    boolean leaveInError = rnd.nextInt(3) == 0;
                    act(() -> window.simulation().injectFault(arc, Errno.EIO, leaveInError));
                    what = "inject EIO on " + arc.id() + (leaveInError ? " leaving ERROR" : "");
                }
                MigState now = real(id);
                if (now == MigState.ERROR) {
                    errors++;
                }
                String where = "op " + i + " on " + id + " from " + before + ": " + what;
                assertThat(s.state()).as(where).isEqualTo(now);
                // The graph follows on the next animation frame: wait for it (a hang guard, not a measurement).
                WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> WaitForAsyncUtils.asyncFx(() ->
                        WindowParts.graph(window).currentProperty().get()).get() == now);
                if (before == MigState.ERROR && !what.startsWith("VFIO_DEVICE_RESET")) {
                    assertThat(now).as("only a reset leaves ERROR; " + where).isEqualTo(MigState.ERROR);
                }
                ops++;
            }
        }
        System.out.println("ui campaign: " + ops + " operations through the window; the graph showed the device's "
                + "state after each (" + errors + " of them ended in ERROR)");
        assertThat(errors).isPositive();
    }

    private MigState real(String id) {
        return registry.find(id).orElseThrow().state();
    }
}
