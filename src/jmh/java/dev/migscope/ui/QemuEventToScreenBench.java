package dev.migscope.ui;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.fsm.MigState;
import dev.migscope.testsupport.FakeQmpServer;
import dev.migscope.ui.common.Theme;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.stage.Stage;

/**
 * A VFIO_MIGRATION event's way to the screen, headless: the window attached to a scripted QEMU
 * (FakeQmpServer) with one vfio-pci device, that device selected; the QEMU sends device-state
 * events (pre-copy, stop-copy, stop, running, over and over) at random gaps of 30-60 ms. Each is
 * timed from the fake QEMU's write to the end of the layout pass of the pulse in which the graph
 * shows the new state. The first WARMUP events are timed apart: they include the JIT compiling the
 * path and the first styling of each state (tens of ms each, mostly the first ten), which is not
 * what a user following a long migration sees on each event. Prints
 * {@code n=N p50_ms= p99_ms= max_ms= warmup=W first_ms= warmup_max_ms=}.
 * Usage: QemuEventToScreenBench [EVENTS [WARMUP]]
 */
public final class QemuEventToScreenBench {

    private static final String[] STATES = {"pre-copy", "stop-copy", "stop", "running"};
    private static final MigState[] SHOWN = {MigState.PRE_COPY, MigState.STOP_COPY, MigState.STOP, MigState.RUNNING};
    private static int events = 400;
    private static int warmup = 50;

    private QemuEventToScreenBench() {
    }

    public static void main(String[] args) {
        if (args.length > 0) {
            events = Integer.parseInt(args[0]);
        }
        if (args.length > 1) {
            warmup = Integer.parseInt(args[1]);
        }
        Application.launch(App.class);
    }

    /** The application the launcher starts. */
    public static final class App extends Application {

        /** The pulse's end after the graph showed a state: its nanoTime. */
        private final BlockingQueue<Long> shown = new ArrayBlockingQueue<>(1);
        private volatile MigState awaited;
        private boolean changed;

        @Override
        public void start(Stage stage) throws Exception {
            Path dir = Files.createTempDirectory("migscope-event-bench");
            Path socket = dir.resolve("vm.qmp");
            FakeQmpServer qemu = FakeQmpServer.start(socket, FakeQmpServer.greeting(10, 0, 0))
                    .reply("qmp_capabilities", "{}")
                    .reply("query-name", "{\"name\": \"vm1\"}")
                    .reply("query-status", "{\"status\": \"running\", \"running\": true}")
                    .reply("query-migrate-parameters", "{\"downtime-limit\": 300}")
                    .reply("query-migrate-capabilities", "[]")
                    .reply("query-migrate", "{\"status\": \"active\"}")
                    .reply("qom-list", a -> a.path("path").asText().equals("/machine/peripheral")
                            ? "[{\"name\": \"dev0\", \"type\": \"child<vfio-pci>\"}]" : "[]")
                    .reply("qom-get", a -> switch (a.path("property").asText()) {
                        case "sysfsdev" -> "\"/sys/bus/mdev/devices/83b8f4f2-509f-382f-3c1e-e6bfe0fa1001\"";
                        case "host" -> "\"\"";
                        default -> "true";
                    });
            InspectorWindow window = new InspectorWindow(new DeviceRegistry(List.of(), List.of(), true), Theme.LIGHT);
            stage.setScene(window.scene());
            stage.show();
            WindowParts.graph(window).currentProperty().addListener((o, was, now) -> changed |= now == awaited);
            window.scene().addPostLayoutPulseListener(() -> {
                if (changed) {
                    changed = false;
                    shown.offer(System.nanoTime());
                }
            });
            window.qemus().attach(List.of(socket)).thenRun(() -> {
                WindowParts.devices(window).select("qemu:vm1:dev0");
                Thread t = new Thread(() -> run(qemu), "event-bench");
                t.setDaemon(true);
                t.start();
            });
        }

        private void run(FakeQmpServer qemu) {
            try {
                double[] all = new double[warmup + events];
                for (int i = 0; i < all.length; i++) {
                    Thread.sleep(30 + ThreadLocalRandom.current().nextInt(30));
                    awaited = SHOWN[i % STATES.length];
                    long t0 = System.nanoTime();
                    qemu.vfioMigration(1_713_771_323L + i, 0, "dev0", "/machine/peripheral/dev0", STATES[i % STATES.length]);
                    Long t1 = shown.poll(10, TimeUnit.SECONDS);
                    if (t1 == null) {
                        throw new IllegalStateException("the graph did not show " + awaited + " within 10 s");
                    }
                    all[i] = (t1 - t0) / 1e6;
                }
                double[] ms = Arrays.copyOfRange(all, warmup, all.length);
                Arrays.sort(ms);
                double warmupMax = Arrays.stream(all, 0, warmup).max().orElse(Double.NaN);
                System.out.printf(java.util.Locale.ROOT,
                        "n=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f warmup=%d first_ms=%.2f warmup_max_ms=%.2f%n", events,
                        ms[events / 2], ms[(int) Math.ceil(events * 0.99) - 1], ms[events - 1], warmup, all[0],
                        warmupMax);
                qemu.close();
            } catch (Exception e) {
                System.err.println("event bench failed: " + e);
                System.exit(1);
            }
            Platform.exit();
            System.exit(0);
        }
    }
}
