package dev.migscope.cli;

/** The exit codes of {@code migscope}; the help footer lists them too. */
public final class ExitCode {
    /** The command did what it was asked. */
    public static final int OK = 0;
    /** The device refused the transition or a call failed; stderr names it and the device's state. */
    public static final int FAILED = 1;
    /** Bad command line: unknown command or option, unknown state name, bad feature list or duration. */
    public static final int USAGE = 2;
    /** No such device, or it cannot be opened (busy, no permission, no migration support). */
    public static final int NO_DEVICE = 3;
    /** A stream file was refused (corrupt, truncated, foreign) or the output file cannot be written. */
    public static final int FILE = 4;
    /** A bug in migscope: one line on stderr, no stack trace. */
    public static final int INTERNAL = 5;

    static final String[] HELP = {
        "0:the command succeeded",
        "1:the device refused the transition or a call failed (stderr names it and the device's state)",
        "2:bad command line: unknown command, option, state name, feature list or duration",
        "3:no such device, or it cannot be opened (busy, no permission, no migration support)",
        "4:stream file refused (corrupt, truncated, foreign) or output file not writable (no directory, "
                + "read-only, disk full)",
        "5:internal error in migscope",
    };

    private ExitCode() {
    }
}
