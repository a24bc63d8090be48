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
    private final UserFiles files = UserFiles.fromEnvironment(System.getenv());

    /** Starts JavaFX and shows the window; returns when it closes. */
    public static void launch(String... args) {
        Application.launch(InspectorApp.class, args);
    }

    @Override
    public void start(Stage stage) {
        var named = getParameters().getNamed();
        java.util.Properties settings = files.loadSettings();
        Theme theme = Theme.parse(named.get("theme"))
                .or(() -> Theme.parse(settings.getProperty("theme")))
                .orElse(Theme.LIGHT);
        window = new InspectorWindow(DeviceRegistry.load(true), theme);
        window.log().setSink(line -> {
            try {
                files.appendToLog(line);
            } catch (java.io.IOException e) {
                // the on-screen log still has the line; losing the file copy must not disturb the window
            }
        });
        stage.setTitle("migscope \u2014 VFIO migration inspector");
        for (int size : new int[] {16, 32, 48, 64, 128, 256}) {
            var icon = InspectorApp.class.getResource("icon-" + size + ".png");
            if (icon != null) {
                stage.getIcons().add(new Image(icon.toExternalForm()));
            }
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
            java.util.Properties settings = files.loadSettings();
            settings.setProperty("theme", window.theme().name().toLowerCase(java.util.Locale.ROOT));
            try {
                files.saveSettings(settings);
            } catch (java.io.IOException e) {
                System.err.println("migscope: could not save settings to " + files.settingsFile() + ": " + e);
            }
            window.dispose();
        }
    }
}
