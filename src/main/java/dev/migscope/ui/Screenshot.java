package dev.migscope.ui;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.session.MigrationSession;
import dev.migscope.session.SessionOptions;
import java.io.IOException;
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
 * {@code migscope screenshot FILE.png [--device ID] [--theme light|dark]}: renders the window at
 * 1280x800 to a PNG, without a display when none is present (Monocle's headless platform). The
 * device is opened and sampled for a moment so the graph, log and charts show a live session;
 * a simulated device is driven into PRE_COPY so the charts have something to show.
 */
public final class Screenshot {

    /** How long the session is sampled before the picture is taken. */
    private static final long SETTLE_MILLIS = 2500;

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
        Theme t = theme == null ? Theme.LIGHT : Theme.parse(theme).orElseThrow(() ->
                new IllegalArgumentException("unknown theme '" + theme + "': use light or dark"));
        if (Platform.isFxApplicationThread()) {
            throw new IllegalStateException("Screenshot.render waits for the window: call it off the FX thread");
        }
        startToolkit();
        CompletableFuture<InspectorWindow> built = new CompletableFuture<>();
        Platform.runLater(() -> {
            try {
                InspectorWindow w = new InspectorWindow(registry, t, SessionOptions.defaults());
                Stage stage = new Stage();
                stage.setScene(w.scene());
                stage.setTitle("migscope");
                stage.show();
                built.complete(w);
            } catch (RuntimeException e) {
                built.completeExceptionally(e);
            }
        });
        InspectorWindow w = built.join();
        try {
            List<DeviceInfo> devices = w.rescan().join();
            Optional<String> id = Optional.ofNullable(deviceId).or(() -> devices.stream()
                    .filter(d -> d.kind() == DeviceKind.SIM).findFirst().or(() -> devices.stream().findFirst())
                    .map(DeviceInfo::id));
            if (id.isPresent()) {
                CompletableFuture<MigrationSession> opened = new CompletableFuture<>();
                Platform.runLater(() -> {
                    w.devices().select(id.get());
                    w.openDevice(id.get()).whenComplete((s, e) -> {
                        if (e != null) {
                            opened.completeExceptionally(e);
                        } else {
                            opened.complete(s);
                        }
                    });
                });
                MigrationSession s = opened.exceptionally(e -> null).join();
                if (s != null) {
                    stage(w, s);
                }
            }
            WritableImage image = onFx(() -> w.scene().snapshot(null));
            Png.write(image, file);
        } finally {
            onFx(() -> {
                w.dispose();
                if (w.scene().getWindow() != null) {
                    w.scene().getWindow().hide();
                }
                return null;
            });
        }
    }

    /** Puts a simulated device in PRE_COPY and previews a path, so the picture shows a live migration. */
    private static void stage(InspectorWindow w, MigrationSession s) {
        if (s.simulation().isPresent() && s.isArmed() && s.features().supports(MigState.PRE_COPY)) {
            s.transition(MigState.PRE_COPY).join();
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

    private static <T> T onFx(java.util.function.Supplier<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Platform.runLater(() -> {
            try {
                f.complete(work.get());
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f.join();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
