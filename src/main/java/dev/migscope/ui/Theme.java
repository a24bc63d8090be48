package dev.migscope.ui;

import java.util.Locale;
import java.util.Optional;
import javafx.scene.Scene;

/** The two looks: a palette stylesheet (light.css, dark.css) over the shared inspector.css. */
public enum Theme {
    LIGHT("light.css"), DARK("dark.css");

    private final String palette;

    Theme(String palette) {
        this.palette = palette;
    }

    /** {@code light} or {@code dark}, in any case. */
    public static Optional<Theme> parse(String name) {
        if (name == null) {
            return Optional.empty();
        }
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "light" -> Optional.of(LIGHT);
            case "dark" -> Optional.of(DARK);
            default -> Optional.empty();
        };
    }

    /** Replaces the scene's stylesheets with this theme's. */
    public void apply(Scene scene) {
        scene.getStylesheets().setAll(url(palette), url("inspector.css"));
    }

    private static String url(String name) {
        return Theme.class.getResource(name).toExternalForm();
    }
}
