package dev.migscope.ui;

import dev.migscope.device.DeviceRegistry;
import javafx.application.Application;
import javafx.scene.image.Image;
import javafx.stage.Stage;

/**
 * The desktop entry: {@code migscope} with no command opens this window. Parameters:
 * {@code --theme=dark} (or light), {@code --device=ID} to open a device at once.
 */
public final class InspectorApp extends Application {

    private InspectorWindow window;

    /** Starts JavaFX and shows the window; returns when it closes. */
    public static void launch(String... args) {
        Application.launch(InspectorApp.class, args);
    }

    @Override
    public void start(Stage stage) {
        var named = getParameters().getNamed();
        Theme theme = Theme.parse(named.get("theme")).orElse(Theme.LIGHT);
        window = new InspectorWindow(DeviceRegistry.load(true), theme);
        stage.setTitle("migscope \u2014 VFIO migration inspector");
        var icon = InspectorApp.class.getResource("icon-64.png");
        if (icon != null) {
            stage.getIcons().add(new Image(icon.toExternalForm()));
        }
        stage.setScene(window.scene());
        stage.setMinWidth(960);
        stage.setMinHeight(600);
        stage.show();
        String device = named.get("device");
        if (device != null) {
            window.rescan().thenRun(() -> javafx.application.Platform.runLater(() -> {
                if (!window.devices().select(device)) {
                    window.openDevice(device);
                }
            }));
        }
    }

    @Override
    public void stop() {
        if (window != null) {
            window.dispose();
        }
    }
}
