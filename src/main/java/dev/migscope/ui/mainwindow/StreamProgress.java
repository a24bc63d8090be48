package dev.migscope.ui.mainwindow;

import dev.migscope.telemetry.Bytes;

/**
 * What the status bar shows of a running save or resume. An estimate is what the device
 * reported (stop_copy_length, the file's size) and a device may move more: past it the text says
 * so and the bar keeps moving rather than sitting full; with no estimate the bar only moves.
 *
 * @param text      {@code saving STOP_COPY 12.0 MiB of ~48.0 MiB}
 * @param fraction  0..1 of the estimate, or -1 (the progress bar's indeterminate value)
 */
record StreamProgress(String text, double fraction) {

    /** JavaFX's ProgressBar.INDETERMINATE_PROGRESS. */
    static final double INDETERMINATE = -1;

    /**
     * @param what      {@code saving STOP_COPY}
     * @param bytes     moved so far
     * @param estimate  the expected total, 0 when unknown
     */
    static StreamProgress of(String what, long bytes, long estimate) {
        String moved = what + " " + Bytes.format(bytes);
        if (estimate <= 0) {
            return new StreamProgress(moved, INDETERMINATE);
        }
        if (bytes > estimate) {
            return new StreamProgress(moved + " (past the " + Bytes.format(estimate) + " estimate)", INDETERMINATE);
        }
        return new StreamProgress(moved + " of ~" + Bytes.format(estimate), (double) bytes / estimate);
    }
}
