package dev.migscope.ui;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.session.MigrationSession;
import dev.migscope.session.SessionOptions;
import dev.migscope.ui.common.FxTasks;
import dev.migscope.ui.common.Png;
import dev.migscope.ui.common.Theme;
import dev.migscope.view.StreamResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;

/**
 * {@code migscope screenshot FILE.png [--device ID] [--stream FILE] [--theme light|dark]}: renders
 * the window at 1280x800 to a PNG, without a display when none is present (Monocle's headless
 * platform). The device is opened and sampled for a moment so the graph, log and charts show a
 * live session; a simulated device is caught in the middle of a save so the charts have something
 * to show. With a stream file, the window shows that stream instead: its node, its pane with the
 * timeline and the sections.
 */
public final class Screenshot {

    /** How long the session is sampled before the picture is taken. */
    private static final long SETTLE_MILLIS = 3000;
    /** How long a stream's pane is given to lay out and draw its timeline. */
    private static final long STREAM_SETTLE_MILLIS = 1000;
    /** The simulated link while the picture is taken: slow enough that PRE_COPY is still running. */
    private static final long SCREENSHOT_LINK = 24L << 20;

    private Screenshot() {
    }

    /**
     * Renders the window to {@code file}. Call from any thread but the FX thread.
     *
     * @param deviceId the device to show; null picks the first simulated one (else the first listed)
     * @param theme    {@code light} or {@code dark}; null for light
     * @throws IOException when the PNG cannot be written
     * @throws IllegalArgumentException for an unknown theme
     */
    public static void render(Path file, String deviceId, String theme) throws IOException {
        render(file, deviceId, theme, DeviceRegistry.load(true));
    }

    /** {@link #render(Path, String, String)} with the devices of {@code registry}. */
    public static void render(Path file, String deviceId, String theme, DeviceRegistry registry) throws IOException {
        render(file, deviceId, theme, registry, null);
    }

    /**
     * {@link #render(Path, String, String, DeviceRegistry)} showing the QEMU migration stream
     * {@code stream} (null: none) as File > Open migration stream... shows it.
     */
    public static void render(Path file, String deviceId, String theme, DeviceRegistry registry, Path stream)
            throws IOException {
        Theme t = theme == null ? Theme.LIGHT : Theme.parse(theme).orElseThrow(() ->
                new IllegalArgumentException("unknown theme '" + theme + "': use light or dark"));
        if (Platform.isFxApplicationThread()) {
            throw new IllegalStateException("Screenshot.render waits for the window: call it off the FX thread");
        }
        startToolkit();
        InspectorWindow w = onFx(() -> {
            InspectorWindow built = new InspectorWindow(registry, t, SessionOptions.defaults());
            Stage stage = new Stage();
            stage.setScene(built.scene());
            stage.setTitle("migscope");
            stage.show();
            return built;
        });
        List<Runnable> pending = new java.util.ArrayList<>();
        try {
            List<DeviceInfo> devices = w.deviceList().rescan().join();
            Optional<String> id = Optional.ofNullable(deviceId).or(() -> devices.stream()
                    .filter(d -> d.kind() == DeviceKind.SIM).findFirst().or(() -> devices.stream().findFirst())
                    .map(DeviceInfo::id));
            if (stream != null) {
                onFx(() -> {
                    // A still picture: the stream's tab is shown at once, not caught sliding in.
                    w.scene().lookup("#tabs").setStyle("-fx-open-tab-animation: NONE;");
                    return w.streamFiles().open(stream);
                }).join();
                // The timeline draws in the layout of the pulses that follow.
                sleep(STREAM_SETTLE_MILLIS);
            } else if (id.isPresent()) {
                MigrationSession s = onFx(() -> w.deviceList().show(id.get())).exceptionally(e -> null).join();
                if (s != null) {
                    stage(w, s, pending);
                }
            }
            WritableImage image = onFx(() -> w.scene().snapshot(null));
            Png.write(image, file);
        } finally {
            for (Runnable r : pending) {
                r.run();
            }
            onFx(() -> {
                w.dispose();
                if (w.scene().getWindow() != null) {
                    w.scene().getWindow().hide();
                }
                return null;
            });
        }
    }

    /**
     * Makes the picture show a migration in flight: a simulated device saves to a temporary file
     * over a slowed link (so PRE_COPY lasts), the graph previews the switch-over path. The save is
     * cancelled afterwards (the session takes the device back to RUNNING). Real devices are only
     * sampled: nothing changes them.
     */
    private static void stage(InspectorWindow w, MigrationSession s, List<Runnable> pending) {
        CompletableFuture<StreamResult> save = null;
        Path tmp = null;
        if (s.simulation().isPresent() && s.isArmed()) {
            s.simulate(c -> c.setLinkBandwidth(SCREENSHOT_LINK)).join();
            try {
                tmp = Files.createTempFile("migscope-screenshot", ".stream");
                Files.delete(tmp);
                Path file = tmp;
                save = onFx(() -> w.streams().saveTo(file));
            } catch (IOException e) {
                save = null;
            }
        }
        sleep(SETTLE_MILLIS);
        MigState from = s.state();
        MigState target = from != null && !MigrationFsm.path(s.features(), from, MigState.STOP_COPY).isRefused()
                ? MigState.STOP_COPY : MigState.STOP;
        onFx(() -> {
            w.graph().hoveredProperty().set(target);
            w.charts().update();
            return null;
        });
        if (save != null) {
            CompletableFuture<StreamResult> running = save;
            Path file = tmp;
            pending.add(() -> {
                onFx(() -> {
                    w.streams().cancel();
                    return null;
                });
                running.exceptionally(e -> null).join();
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temporary file: the OS cleans /tmp
                }
            });
        }
    }

    private static void startToolkit() {
        if (System.getenv("DISPLAY") == null && System.getProperty("glass.platform") == null) {
            // No display: Monocle's headless platform with the software pipeline.
            System.setProperty("glass.platform", "Monocle");
            System.setProperty("monocle.platform", "Headless");
            System.setProperty("prism.order", "sw");
            System.setProperty("prism.text", "t2k");
            System.setProperty("java.awt.headless", "true");
        }
        CountDownLatch started = new CountDownLatch(1);
        try {
            Platform.startup(started::countDown);
        } catch (IllegalStateException alreadyRunning) {
            started.countDown();
        }
        Platform.setImplicitExit(false);
        try {
            started.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs {@code work} on the FX thread and waits for it. */
    private static <T> T onFx(java.util.function.Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, FxTasks.FX).join();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
