package dev.migscope.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Whether stderr is a terminal, so that a redrawn progress line does not litter logs and pipes. */
final class Terminal {

    private Terminal() {
    }

    /** Linux: fd 2 links to a tty or pty. System.console() would only tell about stdin and stdout. */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }
}
