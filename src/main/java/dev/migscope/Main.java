package dev.migscope;

import dev.migscope.cli.MigscopeCli;
import dev.migscope.ui.InspectorApp;

/** The one entry point: the CLI when given arguments, the inspector window when given none. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length == 0) {
            InspectorApp.launch(args);
            return;
        }
        // System.exit also ends a JavaFX toolkit that `screenshot` started.
        System.exit(MigscopeCli.run(args));
    }
}
