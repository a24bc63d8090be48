package dev.migscope.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.qemu.ObservedDevice;
import dev.migscope.testsupport.FakeQmpServer;
import dev.migscope.testsupport.QemuProcess;
import dev.migscope.testsupport.QemuStreamBuilder;
import dev.migscope.ui.common.Theme;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javafx.stage.Stage;
import org.jfree.data.xy.XYDataset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * QEMU -> Tap migration… in the window, headless: a scripted QEMU 10 holding mtty0 at guest PCI
 * path 0000:00:01.0, a stream laid out as QEMU 10 writes mtty's sections sent through the tap; the
 * device's node stays the one the attach made, and its VFIO data chart draws the tap's bytes.
 */
@ExtendWith(ApplicationExtension.class)
class QemuTapWindowTest {

    private static final long WAIT_S = QemuProcess.WAIT.toSeconds();
    private static final String QOM = "/machine/peripheral/mtty0";

    @TempDir
    Path dir;

    private InspectorWindow window;

    @Start
    void start(Stage stage) {
        window = new InspectorWindow(new DeviceRegistry(List.of(), List.of(), true), Theme.LIGHT);
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

    private FakeQmpServer fakeQemu() throws Exception {
        return FakeQmpServer.start(dir.resolve("vm.qmp"), FakeQmpServer.greeting(10, 0, 0))
                .reply("qmp_capabilities", "{}").reply("query-name", "{\"name\": \"vm1\"}")
                .reply("query-status", "{\"status\": \"running\", \"running\": true}")
                .reply("query-migrate-parameters", "{\"downtime-limit\": 300}")
                .reply("query-migrate-capabilities", "[{\"capability\": \"events\", \"state\": false}]")
                .reply("query-migrate", "{\"status\": \"active\", \"ram\": {\"transferred\": 1000}}")
                .reply("qom-list", a -> a.path("path").asText().equals("/machine/peripheral")
                        ? "[{\"name\": \"mtty0\", \"type\": \"child<vfio-pci>\"}]" : "[]")
                .reply("qom-get", a -> switch (a.path("property").asText()) {
                    case "sysfsdev" -> "\"/sys/bus/mdev/devices/83b8f4f2-509f-382f-3c1e-e6bfe0fa1001\"";
                    case "host" -> "\"\"";
                    default -> "true";
                })
                .reply("query-pci", "[{\"bus\": 0, \"devices\": [{\"bus\": 0, \"slot\": 1, \"function\": 0, "
                        + "\"qdev_id\": \"mtty0\"}]}]");
    }

    @Test
    void aTapStartedFromTheQemuMenuFeedsTheSameDeviceNodeAndItsDataChart(FxRobot robot) throws Exception {
        Path tapSock = dir.resolve("tap.sock");
        Path dstSock = dir.resolve("dst.sock");
        try (FakeQmpServer qemu = fakeQemu();
                ServerSocketChannel destination = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            destination.bind(UnixDomainSocketAddress.of(dstSock));
            onFx(() -> window.qemus().attach(List.of(dir.resolve("vm.qmp")))).get(WAIT_S, TimeUnit.SECONDS);
            await(() -> WindowParts.devices(window).shownQemus().equals(List.of("QEMU vm1")));
            ObservedDevice mtty = (ObservedDevice) onFx(() -> window.qemus().device("qemu:vm1:mtty0")).orElseThrow();
            assertThat(onFx(() -> window.qemus().canTap())).as("no QEMU selected").isFalse();
            robot.interact(() -> WindowParts.devices(window).select("QEMU vm1"));
            assertThat(onFx(() -> window.qemus().canTap())).isTrue();

            robot.interact(() -> window.qemus().startTap("unix:" + tapSock + "=unix:" + dstSock));
            await(() -> Files.exists(tapSock));
            assertThat(onFx(() -> window.qemus().canTap())).as("one tap at a time").isFalse();
            qemu.vfioMigration(System.currentTimeMillis() / 1000, 0, "mtty0", QOM, "pre-copy");
            await(() -> mtty.state() == dev.migscope.fsm.MigState.PRE_COPY);

            CompletableFuture<Void> sink = CompletableFuture.runAsync(() -> {
                try (SocketChannel c = destination.accept()) {
                    while (c.read(ByteBuffer.allocate(65536)) >= 0) {
                        // the destination reads the whole stream
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SocketChannel src = SocketChannel.open(UnixDomainSocketAddress.of(tapSock))) {
                src.write(ByteBuffer.wrap(QemuStreamBuilder.withDevice(new byte[24], new byte[72], new byte[8])
                        .build()));
                src.shutdownOutput();
                sink.get(WAIT_S, TimeUnit.SECONDS);
                while (src.read(ByteBuffer.allocate(16)) >= 0) {
                    // the tap closes the source's side once the destination closed
                }
            }
            await(() -> window.qemus().canTap());

            assertThat(onFx(() -> window.qemus().device("qemu:vm1:mtty0")).orElseThrow()).isSameAs(mtty);
            assertThat(mtty.tapBytes()).contains(new ObservedDevice.TapBytes(24, 72));
            String log = onFx(() -> WindowParts.log(window).text());
            assertThat(log).contains("tap  vfio 0000:00:01.0/vfio precopy pass 1: 1 DATA_STATE, 24 bytes -> "
                    + "qemu:vm1:mtty0").contains("tap  qemu:vm1:mtty0 (0000:00:01.0): precopy 24 bytes, stop-copy "
                    + "72 bytes").contains("tap  completed: the destination got the whole stream");

            robot.interact(() -> WindowParts.devices(window).select("qemu:vm1:mtty0"));
            await(() -> maxY(0) > 0);
        }
    }

    /** The largest value series {@code series} of the VFIO data chart draws (its pre-copy bytes/s). */
    private double maxY(int series) {
        List<String> ids = WindowParts.charts(window).chartIds();
        if (ids.isEmpty()) {
            return 0;
        }
        XYDataset d = WindowParts.charts(window).chart(ids.get(0)).getXYPlot().getDataset(0);
        double max = 0;
        for (int i = 0; d != null && series < d.getSeriesCount() && i < d.getItemCount(series); i++) {
            double y = d.getYValue(series, i);
            if (!Double.isNaN(y)) {
                max = Math.max(max, y);
            }
        }
        return max;
    }
}
