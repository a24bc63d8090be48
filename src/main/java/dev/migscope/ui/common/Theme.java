package dev.migscope.ui.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javafx.scene.Scene;
import javafx.scene.paint.Color;

/**
 * The two looks: a palette stylesheet (light.css, dark.css) over the shared inspector.css. The
 * palette file is the one place a theme's colours are written: the scene looks them up through
 * CSS, and what JavaFX CSS cannot reach (JFreeChart paints with AWT) reads them with
 * {@link #colour}.
 */
public enum Theme {
    LIGHT("light.css"), DARK("dark.css");

    /** A looked-up colour of the palette: {@code -ms-name: #rrggbb;}. */
    private static final Pattern COLOUR = Pattern.compile("-ms-([a-z0-9-]+)\\s*:\\s*(#[0-9a-fA-F]{6})\\s*;");

    private final String palette;
    private Map<String, Color> colours;

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

    /**
     * A colour of this theme's palette file, by its looked-up name without {@code -ms-}
     * ({@code chart-grid}, {@code series-pre-copy}).
     *
     * @throws IllegalArgumentException when the palette does not define it
     */
    public synchronized Color colour(String name) {
        if (colours == null) {
            colours = read(palette);
        }
        Color c = colours.get(name);
        if (c == null) {
            throw new IllegalArgumentException(palette + " defines no -ms-" + name);
        }
        return c;
    }

    private static Map<String, Color> read(String file) {
        try (InputStream in = Theme.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException(file + " is missing from the application");
            }
            Map<String, Color> out = new LinkedHashMap<>();
            Matcher m = COLOUR.matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            while (m.find()) {
                out.put(m.group(1), Color.web(m.group(2)));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String url(String name) {
        return Theme.class.getResource(name).toExternalForm();
    }
}
