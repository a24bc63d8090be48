package dev.migscope.cli;

/**
 * How a command fails: the exit code and the one line stderr gets. Thrown from a command, caught
 * by the execution exception handler of {@link MigscopeCli}, never shown as a stack trace.
 */
final class CliFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    CliFailure(int exitCode, String line) {
        super(line, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
