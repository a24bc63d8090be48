package dev.migscope.ui;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.remote.SshSettings;
import dev.migscope.session.SessionOptions;
import dev.migscope.ui.common.Theme;
import javafx.application.Application;
import javafx.scene.image.Image;
import javafx.stage.Stage;

/**
 * The desktop entry: {@code migscope} with no command, and {@code migscope window}, open this
 * window, showing a device at once (the one shown last, else the first listed). Parameters:
 * {@code --theme=dark} (or light), {@code --device=ID} to open that device instead,
 * {@code --attach=SOCKET} (repeated) to follow QEMUs at once, {@code --host=HOST} (repeated) to
 * connect to other hosts at once, {@code --stream=FILE} (repeated) to read QEMU migration streams at once.
 */
public final class InspectorApp extends Application {

    private static final String ATTACH = "--attach=";
    private static final String HOST = "--host=";
    private static final String STREAM = "--stream=";

    private InspectorWindow window;
    private final UserFiles files = UserFiles.fromEnvironment(System.getenv());

    /** Starts JavaFX and shows the window; returns when it closes. */
    public static void launch(String... args) {
        Application.launch(InspectorApp.class, args);
    }

    /**
     * {@link #launch(String...)} with the device to open, the QMP sockets to attach to, the hosts to
     * connect to, the stream files to read and the theme given; null leaves device or theme as
     * without them (the device shown last, else the first listed; the theme the window last used,
     * else light).
     */
    public static void launch(String deviceId, java.util.List<java.nio.file.Path> attach,
            java.util.List<String> hosts, java.util.List<java.nio.file.Path> streams, Theme theme) {
        java.util.List<String> args = new java.util.ArrayList<>();
        for (java.nio.file.Path p : attach) {
            args.add(ATTACH + p);
        }
        for (String h : hosts) {
            args.add(HOST + h);
        }
        for (java.nio.file.Path p : streams) {
            args.add(STREAM + p);
        }
        if (deviceId != null) {
            args.add("--device=" + deviceId);
        }
        if (theme != null) {
            args.add("--theme=" + theme.name().toLowerCase(java.util.Locale.ROOT));
        }
        launch(args.toArray(String[]::new));
    }

    @Override
    public void start(Stage stage) {
        var named = getParameters().getNamed();
        java.util.Properties settings = files.loadSettings();
        Theme theme = Theme.parse(named.get("theme"))
                .or(() -> Theme.parse(settings.getProperty("theme")))
                .orElse(Theme.LIGHT);
        window = show(stage, DeviceRegistry.load(true), theme, named.get("device"), files);
        openAtStart(window, getParameters().getRaw());
        window.log().setSink(line -> {
            try {
                files.appendToLog(line);
            } catch (java.io.IOException e) {
                // the on-screen log still has the line; losing the file copy must not disturb the window
            }
        });
    }

    /** What the command line asks to open at start: the QEMUs to attach to, the hosts, the stream files. */
    static void openAtStart(InspectorWindow w, java.util.List<String> raw) {
        java.util.List<java.nio.file.Path> sockets = raw.stream().filter(a -> a.startsWith(ATTACH))
                .map(a -> java.nio.file.Path.of(a.substring(ATTACH.length()))).toList();
        if (!sockets.isEmpty()) {
            w.qemus().attach(sockets);
        }
        raw.stream().filter(a -> a.startsWith(HOST)).forEach(a -> w.remotes().connect(a.substring(HOST.length())));
        raw.stream().filter(a -> a.startsWith(STREAM))
                .forEach(a -> w.streamFiles().open(java.nio.file.Path.of(a.substring(STREAM.length()))));
    }

    /**
     * Builds the window on {@code stage} and shows it; once the devices are listed, selects and
     * opens {@code deviceId} when given, listed or not, else the device shown last or the first
     * listed ({@link RememberedDevice}, kept in {@code files}).
     */
    static InspectorWindow show(Stage stage, DeviceRegistry registry, Theme theme, String deviceId,
            UserFiles files) {
        InspectorWindow w = new InspectorWindow(registry, theme, SessionOptions.defaults(), files,
                () -> SshSettings.fromEnvironment(System.getenv()));
        stage.setTitle("migscope \u2014 VFIO migration inspector");
        for (int size : new int[] {16, 32, 48, 64, 128, 256}) {
            var icon = InspectorApp.class.getResource("icon-" + size + ".png");
            if (icon != null) {
                stage.getIcons().add(new Image(icon.toExternalForm()));
            }
        }
        stage.setScene(w.scene());
        stage.setMinWidth(960);
        stage.setMinHeight(600);
        stage.show();
        RememberedDevice.follow(w, files, deviceId);
        return w;
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
