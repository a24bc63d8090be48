package dev.migscope.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.fsm.MigState;
import dev.migscope.protocol.MigscopeVersion;
import dev.migscope.remote.RemoteDevice;
import dev.migscope.remote.SshSettings;
import dev.migscope.device.MigrationFile;
import dev.migscope.session.SessionOptions;
import dev.migscope.testsupport.Sshd;
import dev.migscope.ui.common.Theme;
import dev.migscope.view.StreamResult;
import dev.migscope.view.TransitionResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javafx.scene.control.Label;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ToolBar;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The window connected to another host: a real sshd on 127.0.0.1 (Debian's openssh-server) with
 * throwaway keys, whose far side runs this build's {@code migscope agent} on simulated devices.
 * The host is a node with its kernel and migscope; a device selected there is driven through the
 * window's own actions and the far session answers; a killed sshd session marks the rows with
 * their last known state, and Reconnect brings them back.
 */
@ExtendWith(ApplicationExtension.class)
class RemoteWindowTest {

    private static final long WAIT_S = 60;

    @TempDir
    static Path dir;

    private static Sshd sshd;
    private static SshSettings agent;

    private final AtomicReference<SshSettings> ssh = new AtomicReference<>();
    private UserFiles files;
    private InspectorWindow window;

    @BeforeAll
    static void startSshd() throws Exception {
        sshd = Sshd.start(dir);
        agent = sshd.agentSettings();
    }

    @AfterAll
    static void stopSshd() {
        if (sshd != null) {
            sshd.close();
        }
    }

    @Start
    void start(Stage stage) throws Exception {
        ssh.set(agent);
        files = new UserFiles(Files.createTempDirectory(dir, "config"), Files.createTempDirectory(dir, "state"));
        window = new InspectorWindow(DeviceRegistry.load(true), Theme.LIGHT, SessionOptions.defaults(), files,
                ssh::get);
        stage.setScene(window.scene());
        stage.show();
    }

    @AfterEach
    void close(FxRobot robot) throws Exception {
        robot.interact(window::dispose);
        // Every connection is closed with the window: the far agents end.
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> sshd.sessionProcesses().isEmpty());
    }

    private static <T> T onFx(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(WAIT_S, TimeUnit.SECONDS);
    }

    private static void await(Callable<Boolean> c) throws Exception {
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> onFx(c));
    }

    private static List<String> texts(FxRobot robot, String query) throws Exception {
        return onFx(() -> robot.lookup(query).queryAllAs(Label.class).stream().map(Label::getText).toList());
    }

    private long logLines(String part) throws Exception {
        return onFx(() -> WindowParts.log(window).lines().stream().filter(l -> l.text().contains(part)).count());
    }

    /** Whether each command that drives the device is disabled: the toolbar's buttons and the menus' items. */
    private List<Map.Entry<String, Boolean>> driving(FxRobot robot) throws Exception {
        List<String> buttons = List.of("#action-arm", "#action-reset", "#action-save", "#action-resume", "#action-fault",
                "#action-demo");
        List<String> items = List.of("Save stream to file\u2026", "Resume from file\u2026", "Reset", "Go to state",
                "Inject fault\u2026", "Clear injected faults", "Run the demo scenario");
        return onFx(() -> {
            List<Map.Entry<String, Boolean>> out = new ArrayList<>();
            // the toolbar's items, also those its overflow menu holds (not in the scene graph then)
            List<javafx.scene.Node> tools = robot.lookup("#toolbar").queryAs(ToolBar.class).getItems();
            for (String b : buttons) {
                out.add(Map.entry(b, tools.stream().filter(n -> b.equals("#" + n.getId())).findFirst().orElseThrow()
                        .isDisabled()));
            }
            MenuBar bar = robot.lookup("#menu-bar").queryAs(MenuBar.class);
            for (String i : items) {
                MenuItem m = bar.getMenus().stream().flatMap(x -> x.getItems().stream())
                        .filter(x -> i.equals(x.getText())).findFirst().orElseThrow();
                out.add(Map.entry(i, m.isDisable()));
            }
            return out;
        });
    }

    @Test
    void aHostsDevicesAreDrivenThroughTheWindowAndALostConnectionIsShownUntilReconnect(FxRobot robot)
            throws Exception {
        String host = sshd.host();
        String key = host + "/sim:mlx5-0";
        onFx(() -> window.remotes().connect(host)).get(WAIT_S, TimeUnit.SECONDS);

        // The host is a node with its kernel and migscope, its devices below it; the host is remembered.
        await(() -> WindowParts.devices(window).shownNodes("host-node").contains(host));
        assertThat(texts(robot, ".host-node .device-detail")).singleElement().asString()
                .contains("Linux " + System.getProperty("os.version"), "migscope " + MigscopeVersion.current());
        assertThat(onFx(() -> WindowParts.devices(window).shownIds())).contains(key, host + "/sim:mlx5-1", "sim:mlx5-0");
        // This machine is a node too, first, with its own identity; every device row stands under a host
        // (indented), so the far sim:mlx5-0 and this machine's differ by the node above them.
        assertThat(robot.lookup(".local-host-node .device-name").queryLabeled().getText()).isEqualTo("this host");
        assertThat(robot.lookup(".local-host-node .device-detail").queryLabeled().getText())
                .startsWith("Linux " + System.getProperty("os.version") + ", migscope ");
        assertThat(onFx(() -> robot.lookup(".device-row").queryAll().stream()
                .allMatch(n -> n.getStyleClass().contains("under-host")))).isTrue();
        assertThat(onFx(() -> robot.lookup(".host-node").queryAll().stream()
                .noneMatch(n -> n.getStyleClass().contains("under-host")))).isTrue();
        assertThat(logLines("connected to " + host + ": Linux ")).isEqualTo(1);
        await(() -> Files.exists(files.hostsFile()));
        assertThat(Files.readAllLines(files.hostsFile())).containsExactly(host);

        // Selected, it is opened there (simulated: armed) and is what the graph and the status bar show.
        robot.interact(() -> WindowParts.devices(window).select(key));
        await(() -> window.remotes().shown() != null && WindowParts.graph(window).currentProperty().get() == MigState.RUNNING);
        RemoteDevice far = onFx(() -> window.remotes().shown());
        assertThat(far.host().target().display()).isEqualTo(host);
        assertThat(far.isArmed()).isTrue();
        assertThat(onFx(() -> window.deviceList().session())).isNull();
        assertThat(robot.lookup("#status-device").queryLabeled().getText()).isEqualTo("sim:mlx5-0 on " + host);
        assertThat(robot.lookup("#status-armed").queryLabeled().getText()).isEqualTo("ARMED");
        // The far session pushes its samples: the charts draw from them.
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> far.telemetry().size() > 3);

        // The window's action goes to the far device: the far session's GET says STOP.
        TransitionResult stop = onFx(() -> window.actions().requestTransition(MigState.STOP)).get(WAIT_S, TimeUnit.SECONDS);
        assertThat(stop.finalState()).isEqualTo(MigState.STOP);
        assertThat(far.refreshState().get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(MigState.STOP);
        await(() -> WindowParts.graph(window).currentProperty().get() == MigState.STOP);
        await(() -> WindowParts.log(window).text().contains("RUNNING -> STOP"));

        // Disarmed (Ctrl+A), nothing reaches the device: the far side still says STOP.
        robot.clickOn("#action-arm");
        assertThat(far.isArmed()).isFalse();
        onFx(() -> window.actions().requestTransition(MigState.RUNNING)).handle((r, e) -> r).get(WAIT_S, TimeUnit.SECONDS);
        assertThat(far.refreshState().get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(MigState.STOP);
        robot.clickOn("#action-arm");
        assertThat(far.isArmed()).isTrue();

        // Save writes the stream file here; the device stays in STOP there.
        Path file = dir.resolve("window-remote.mig");
        StreamResult saved = onFx(() -> window.streams().saveTo(file)).get(WAIT_S, TimeUnit.SECONDS);
        assertThat(saved.error()).isNull();
        assertThat(saved.finalState()).isEqualTo(MigState.STOP);
        assertThat(MigrationFile.verify(file).source().deviceId()).isEqualTo("sim:mlx5-0");

        // Resume takes it into another device there, selected in the list; the far side ends RUNNING.
        robot.interact(() -> WindowParts.devices(window).select(host + "/sim:mlx5-1"));
        await(() -> window.remotes().shown() != null && window.remotes().shown().id().equals("sim:mlx5-1"));
        RemoteDevice other = onFx(() -> window.remotes().shown());
        StreamResult resumed = onFx(() -> window.streams().resumeFrom(file)).get(WAIT_S, TimeUnit.SECONDS);
        assertThat(resumed.error()).isNull();
        assertThat(other.refreshState().get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(MigState.RUNNING);
        await(() -> WindowParts.log(window).text().contains("RESUMING -> STOP"));
        TransitionResult stopAgain = onFx(() -> window.actions().requestTransition(MigState.STOP)).get(WAIT_S, TimeUnit.SECONDS);
        assertThat(stopAgain.finalState()).isEqualTo(MigState.STOP);
        // The Conformance tab runs here only: for a remote device it names the command that runs there.
        assertThat(onFx(() -> WindowParts.conformance(window).run()).get(WAIT_S, TimeUnit.SECONDS)).isNull();
        assertThat(onFx(() -> WindowParts.log(window).text())).doesNotContain("conformance: closing");

        // The sshd session dies: the node and the rows say disconnected, with the last known state; the log once.
        sshd.sessionProcesses().forEach(ProcessHandle::destroyForcibly);
        await(() -> other.isGone());
        await(() -> texts(robot, ".device-member .device-detail").stream()
                .anyMatch(t -> t.contains("disconnected: last known state STOP")));
        assertThat(texts(robot, ".device-member .device-detail"))
                .allSatisfy(t -> assertThat(t).contains("disconnected: last known state"));
        assertThat(texts(robot, ".host-node .device-detail")).singleElement().asString()
                .contains("disconnected: last known state STOP (sim:mlx5-1)");
        await(() -> logLines("the connection to " + host + " was lost") == 1);
        assertThat(robot.lookup("#status-access").queryLabeled().getText()).contains("disconnected");
        // Nothing can drive it now: the driving commands are disabled, the status bar says how to get
        // them back, and a state asked for anyway (its key, the graph) sends nothing and says why.
        await(() -> robot.lookup("#status-armed").queryLabeled().getText().equals("Reconnect to drive it"));
        assertThat(driving(robot)).allSatisfy(d -> assertThat(d.getValue()).as(d.getKey()).isTrue());
        assertThat(onFx(() -> window.actions().requestTransition(MigState.RUNNING)).get(WAIT_S, TimeUnit.SECONDS)).isNull();
        assertThat(logLines("sim:mlx5-1 on " + host + ": disconnected; Reconnect (right-click " + host + ")"))
                .isEqualTo(1);
        assertThat(onFx(() -> WindowParts.log(window).text())).doesNotContain("EPIPE");

        // Reconnect (the host's context menu) lists the host again and opens the device shown again (a new
        // agent: its device is RUNNING).
        robot.interact(() -> robot.lookup(".host-node").queryAs(javafx.scene.control.ListCell.class).getContextMenu()
                .getItems().stream().filter(m -> m.getText().equals("Reconnect")).findFirst().orElseThrow().fire());
        await(() -> window.remotes().shown() != null && window.remotes().shown() != other
                && window.remotes().shown().id().equals("sim:mlx5-1")
                && WindowParts.graph(window).currentProperty().get() == MigState.RUNNING);
        await(() -> texts(robot, ".device-member .device-detail").stream().noneMatch(t -> t.contains("disconnected")));
        await(() -> robot.lookup("#status-armed").queryLabeled().getText().equals("ARMED"));
        assertThat(driving(robot)).allSatisfy(d -> assertThat(d.getValue()).as(d.getKey()).isFalse());
        assertThat(logLines("the connection to " + host + " was lost")).isEqualTo(1);
        assertThat(logLines("connected to " + host + ": Linux ")).isEqualTo(2);
    }

    @Test
    void aHostThatCannotBeReachedIsOneLineNamingItAndAnotherSelectionClosesALateOpen(FxRobot robot)
            throws Exception {
        String host = sshd.host();
        ssh.set(new SshSettings("ssh", sshd.clientOptions(), List.of(dir.resolve("nowhere/migscope").toString(),
                "agent")));
        assertThat(onFx(() -> window.remotes().connect(host)).handle((r, e) -> e).get(WAIT_S, TimeUnit.SECONDS)).isNotNull();
        await(() -> logLines(host + ": migscope is not installed there") == 1);
        assertThat(texts(robot, ".host-node .device-detail")).singleElement().asString().contains("not connected");
        assertThat(onFx(() -> WindowParts.log(window).text())).doesNotContain("Exception", "\tat ");
        assertThat(Files.exists(files.hostsFile())).isFalse();

        // The agent installed, Reconnect from the node's menu connects.
        ssh.set(agent);
        onFx(() -> window.remotes().reconnect(host)).get(WAIT_S, TimeUnit.SECONDS);
        await(() -> WindowParts.devices(window).shownIds().contains(host + "/sim:pds-0"));

        // A remote device asked for, then a local one before the remote open completes: the local one is shown,
        // and the remote one, opened late, is closed, never shown.
        robot.interact(() -> {
            WindowParts.devices(window).select(host + "/sim:pds-0");
            WindowParts.devices(window).select("sim:pds-0");
        });
        await(() -> window.deviceList().session() != null && window.deviceList().session().id().equals("sim:pds-0"));
        assertThat(robot.lookup("#status-device").queryLabeled().getText()).isEqualTo("sim:pds-0");
        // Opens on a host run in order on its thread: once the next one is shown, the late one has completed.
        robot.interact(() -> WindowParts.devices(window).select(host + "/sim:mlx5-1"));
        await(() -> window.remotes().shown() != null && window.remotes().shown().id().equals("sim:mlx5-1"));
        assertThat(logLines("opening sim:pds-0 on " + host)).isEqualTo(1);
        assertThat(logLines("opened sim:pds-0 on " + host)).isZero();
        assertThat(onFx(() -> window.deviceList().session())).isNull();
        assertThat(robot.lookup("#status-device").queryLabeled().getText()).isEqualTo("sim:mlx5-1 on " + host);

        // Disconnect takes the host off the list.
        robot.interact(() -> window.remotes().disconnect(host));
        assertThat(onFx(() -> WindowParts.devices(window).shownNodes("host-node"))).isEmpty();
    }

    @Test
    void theConnectDialogSaysWhatIsWrongWithAHostAndConnectsToARememberedOne(FxRobot robot) throws Exception {
        files.rememberHost(sshd.host());
        robot.clickOn("File").clickOn("Connect to host\u2026");
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> robot.lookup("#connect-host").tryQuery().isPresent());
        javafx.scene.control.ComboBox<?> combo = robot.lookup("#connect-host").queryAs(javafx.scene.control.ComboBox.class);
        assertThat(onFx(() -> combo.getEditor().getText())).isEqualTo(sshd.host());
        robot.interact(() -> combo.getEditor().setText("lab7; reboot"));
        robot.clickOn("#connect-ok");
        assertThat(robot.lookup("#connect-problem").queryLabeled().getText())
                .contains("\"lab7; reboot\" is not a host name");
        assertThat(robot.lookup("#connect-host").tryQuery()).isPresent();

        robot.interact(() -> combo.getEditor().setText(sshd.host()));
        robot.clickOn("#connect-ok");
        await(() -> WindowParts.devices(window).shownNodes("host-node").contains(sshd.host())
                && window.remotes().host(sshd.host()).isPresent());
        assertThat(robot.lookup("#connect-host").tryQuery()).isEmpty();
    }
}
