package dev.migscope.ui;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.ui.common.Theme;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.layout.StackPane;
import javafx.stage.Stage;

/**
 * Time to first frame: the inspector window (as InspectorApp builds it: the device registry with
 * the simulator, the light theme, a stage shown) or a JavaFX hello world (a label in a 960x600
 * scene), with the same JavaFX and flags. Prints the wall-clock epoch milliseconds when the first
 * pulse after show() has been laid out and handed to the renderer, and for migscope when the
 * charts, which start drawing after that first frame, have been drawn; benchmarks/run.sh subtracts the time it
 * started the JVM. Usage: FirstFrameBench migscope|hello
 */
public final class FirstFrameBench {

    private static String mode = "hello";

    private FirstFrameBench() {
    }

    /** The launcher's main class must not extend Application on the class path (the JDK's check). */
    public static void main(String[] args) {
        mode = args[0];
        Application.launch(App.class);
    }

    /**
     * The window is complete when its four charts, which start drawing after the first frame, have
     * been drawn: prints that time too and exits.
     */
    static Runnable chartsDrawn(Scene scene, InspectorWindow window) {
        return new Runnable() {
            @Override
            public void run() {
                if (WindowParts.charts(window).draws() < WindowParts.charts(window).chartIds().size()) {
                    return;
                }
                scene.removePostLayoutPulseListener(this);
                Platform.runLater(() -> {
                    System.out.println("charts_drawn_epoch_ms=" + System.currentTimeMillis());
                    System.exit(0);
                });
            }
        };
    }

    /** Nodes in the scene graph under {@code n}: what the first CSS and layout pass walk. */
    static int nodes(javafx.scene.Node n) {
        int count = 1;
        if (n instanceof javafx.scene.Parent p) {
            for (javafx.scene.Node c : p.getChildrenUnmodifiable()) {
                count += nodes(c);
            }
        }
        return count;
    }

    /** The application the launcher starts. */
    public static final class App extends Application {

    @Override
    public void start(Stage stage) {
        long started = System.currentTimeMillis();
        InspectorWindow window = mode.equals("hello") ? null : new InspectorWindow(DeviceRegistry.load(true), Theme.LIGHT);
        Scene scene = window == null ? new Scene(new StackPane(new Label("Hello, world")), 960, 600) : window.scene();
        long built = System.currentTimeMillis();
        stage.setScene(scene);
        stage.setWidth(960);
        stage.setHeight(600);
        Runnable firstPulse = new Runnable() {
            @Override
            public void run() {
                scene.removePostLayoutPulseListener(this);
                // runLater: after this pulse has finished, including the hand-off to the renderer
                Platform.runLater(() -> {
                    long now = System.currentTimeMillis();
                    // Where the time went: toolkit start-up, building the scene, the first CSS/layout pulse.
                    System.out.println("phases_ms start=" + started + " build=" + (built - started)
                            + " show_and_first_pulse=" + (now - built) + " nodes=" + nodes(scene.getRoot()));
                    System.out.println("first_frame_epoch_ms=" + now);
                    if (window == null) {
                        System.exit(0);
                    }
                    scene.addPostLayoutPulseListener(chartsDrawn(scene, window));
                });
            }
        };
        scene.addPostLayoutPulseListener(firstPulse);
        stage.show();
    }
    }
}
