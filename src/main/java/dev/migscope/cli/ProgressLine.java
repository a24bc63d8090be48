package dev.migscope.cli;

import dev.migscope.telemetry.Bytes;
import dev.migscope.view.Progress;
import java.io.PrintWriter;

/**
 * A progress line redrawn in place on stderr (a terminal only), at most ten times a second.
 * Called from the session's device thread; {@link #finish} ends the line from the command's thread.
 */
final class ProgressLine implements Progress {

    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter err;
    private long lastDraw;
    private boolean drawn;
    private int width;

    ProgressLine(PrintWriter err) {
        this.err = err;
    }

    @Override
    public synchronized void update(String phase, long bytes, long estimate) {
        long now = System.nanoTime();
        if (drawn && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        String of = estimate > 0 ? " of ~" + Bytes.format(estimate) : "";
        String line = phase + "  " + Bytes.format(bytes) + of;
        err.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
        err.flush();
        width = line.length();
        drawn = true;
    }

    /** Ends the line so that what follows starts on its own. */
    synchronized void finish() {
        if (drawn) {
            err.print("\r" + " ".repeat(width) + "\r");
            err.flush();
            drawn = false;
        }
    }
}
