package dev.migscope.ui.common;

import java.io.File;
import java.nio.file.Path;
import java.util.Optional;
import javafx.scene.Node;
import javafx.stage.FileChooser;

/** The one file chooser of the window's actions (streams, recordings, PNGs, reports). FX thread. */
public final class FileDialogs {

    private FileDialogs() {
    }

    /** Asks for a file to write, proposing {@code initialName}; empty when the user cancels. */
    public static Optional<Path> save(Node owner, String title, String initialName) {
        return show(owner, true, title, initialName);
    }

    /** Asks for an existing file to read; empty when the user cancels. */
    public static Optional<Path> open(Node owner, String title) {
        return show(owner, false, title, null);
    }

    private static Optional<Path> show(Node owner, boolean save, String title, String initialName) {
        FileChooser fc = new FileChooser();
        fc.setTitle(title);
        if (initialName != null) {
            fc.setInitialFileName(initialName);
        }
        var window = owner.getScene() == null ? null : owner.getScene().getWindow();
        File f = save ? fc.showSaveDialog(window) : fc.showOpenDialog(window);
        return Optional.ofNullable(f).map(File::toPath);
    }
}
