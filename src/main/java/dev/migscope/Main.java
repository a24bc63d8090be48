package dev.migscope;

import dev.migscope.cli.MigscopeCli;

/** The one entry point: the CLI when given arguments, the inspector window when given none. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length == 0) {
            launchWindow(args);
            return;
        }
        System.exit(MigscopeCli.run(args));
    }

    /**
     * Opens the inspector window. Until the window is wired in, it prints the CLI usage and exits
     * with the usage code, so that a bare {@code ./migscope} never looks like it succeeded.
     */
    static void launchWindow(String[] args) {
        System.exit(MigscopeCli.usage());
    }
}
