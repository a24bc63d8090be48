package dev.migscope.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.qemu.AttachedQemu;
import dev.migscope.session.SessionOptions;
import dev.migscope.testsupport.Libvirtd;
import dev.migscope.ui.common.Theme;
import dev.migscope.ui.mainwindow.LibvirtController;
import dev.migscope.remote.SshSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.ComboBox;
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
 * File -> Connect to libvirt... against a real libvirtd running a real TCG domain: the connection
 * and its domain are nodes of the device list, selecting the domain attaches to it through libvirt
 * (read-only), and the URI is remembered for the next dialog.
 */
@ExtendWith(ApplicationExtension.class)
class LibvirtWindowTest {

    private static final long WAIT_S = Libvirtd.WAIT.toSeconds();

    @TempDir
    static Path dir;

    private InspectorWindow window;
    private UserFiles files;

    @Start
    void start(Stage stage) throws Exception {
        files = new UserFiles(Files.createTempDirectory(dir, "config"), Files.createTempDirectory(dir, "state"));
        window = new InspectorWindow(DeviceRegistry.load(false), Theme.LIGHT, SessionOptions.defaults(), files,
                () -> SshSettings.fromEnvironment(System.getenv()));
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

    private static void await(Callable<Boolean> c) throws Exception {
        WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, () -> onFx(c));
    }

    private List<String> details(FxRobot robot, String styleClass) throws Exception {
        return onFx(() -> robot.lookup("." + styleClass + " .device-detail").queryAllAs(Label.class).stream()
                .map(Label::getText).toList());
    }

    @Test
    void aDaemonsDomainIsANodeAndSelectingItAttachesThroughLibvirt(FxRobot robot) throws Exception {
        Path run = Files.createTempDirectory(dir, "libvirtd");
        try (Libvirtd libvirtd = Libvirtd.start(run)) {
            libvirtd.createTcg("lvwin");
            robot.clickOn("File").clickOn("Connect to libvirt\u2026");
            WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS,
                    () -> robot.lookup("#connect-libvirt-uri").tryQuery().isPresent());
            ComboBox<?> combo = robot.lookup("#connect-libvirt-uri").queryAs(ComboBox.class);
            assertThat(onFx(() -> combo.getEditor().getText())).isEqualTo("qemu:///system");
            robot.interact(() -> combo.getEditor().setText("virsh -c qemu:///system"));
            robot.clickOn("#connect-libvirt-ok");
            assertThat(robot.lookup("#connect-libvirt-problem").queryLabeled().getText())
                    .contains("is not a libvirt URI");
            robot.interact(() -> combo.getEditor().setText(libvirtd.uri()));
            robot.clickOn("#connect-libvirt-ok");

            String node = "libvirt " + libvirtd.uri();
            await(() -> window.devices().shownNodes(LibvirtController.DOMAIN_NODE).contains("domain lvwin"));
            assertThat(onFx(() -> window.devices().shownNodes(LibvirtController.LIBVIRT_NODE))).containsExactly(node);
            assertThat(details(robot, LibvirtController.LIBVIRT_NODE)).containsExactly("1 running domain");
            assertThat(details(robot, LibvirtController.DOMAIN_NODE))
                    .containsExactly("running; select to attach (read-only)\nno VFIO hostdev");

            robot.interact(() -> window.devices().select("domain lvwin"));
            await(() -> window.devices().shownQemus().contains("QEMU lvwin"));
            AttachedQemu q = onFx(() -> window.qemus().attachedTo(
                    dev.migscope.libvirt.LibvirtLink.where("lvwin", libvirtd.uri()))).orElseThrow();
            assertThat(q.source()).isEqualTo("libvirt");
            assertThat(details(robot, "qemu-node")).singleElement().asString()
                    .contains("QEMU 10.", "domain lvwin (" + libvirtd.uri() + ")");
            assertThat(onFx(() -> WindowParts.log(window).text())).contains("lvwin  attached: QEMU 10.");

            // A second selection does not attach twice.
            robot.interact(() -> window.devices().select(node));
            robot.interact(() -> window.devices().select("domain lvwin"));
            await(() -> WindowParts.log(window).text().contains("domain lvwin is attached: its QEMU is the node "
                    + "QEMU lvwin"));
            assertThat(onFx(() -> window.devices().shownQemus())).containsExactly("QEMU lvwin");

            // The user's virsh pauses the domain: QEMU's STOP, as libvirt forwards it, reaches the log.
            libvirtd.virsh("suspend", "lvwin");
            await(() -> WindowParts.log(window).text().contains("lvwin  STOP"));
        }
        assertThat(files.loadLibvirtUris(p -> { })).isNotEmpty().first().asString().startsWith("qemu:///system?socket=");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.libvirtFile())))
                .isEqualTo("rw-------");
    }

    @Test
    void aDaemonThatIsNotThereIsOneLineOfTheLogAndTheNodeSaysSo(FxRobot robot) throws Exception {
        String uri = "qemu:///system?socket=" + dir.resolve("nosock");
        Throwable err = onFx(() -> window.libvirts().connect(uri)).handle((v, e) -> e).get(WAIT_S, TimeUnit.SECONDS);

        assertThat(err).isNotNull();
        assertThat(details(robot, LibvirtController.LIBVIRT_NODE)).containsExactly("not connected (the log says why)");
        assertThat(onFx(() -> WindowParts.log(window).text())).contains("libvirt " + uri + ": virConnectOpen");
        assertThat(files.loadLibvirtUris(p -> { })).isEmpty();
    }
}
