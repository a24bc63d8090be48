package dev.migscope.ui.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javafx.embed.swing.SwingFXUtils;
import javafx.scene.Node;
import javafx.scene.SnapshotParameters;
import javafx.scene.image.WritableImage;
import javax.imageio.ImageIO;

/** Writes what a node shows to a PNG file. FX thread only (snapshot needs it). */
public final class Png {

    private Png() {
    }

    public static void write(Node node, Path file) throws IOException {
        SnapshotParameters params = new SnapshotParameters();
        WritableImage image = node.snapshot(params, null);
        write(image, file);
    }

    public static void write(WritableImage image, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(SwingFXUtils.fromFXImage(image, null), "png", file.toFile())) {
            throw new IOException("no PNG writer available for " + file);
        }
    }
}
