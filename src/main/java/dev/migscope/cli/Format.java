package dev.migscope.cli;

import java.time.Duration;
import java.util.Locale;

/** Human units for the text output (JSON output keeps raw numbers). */
final class Format {

    private Format() {
    }

    /** {@code 0.012 ms}: the resolution that shows a simulated or a fast real ioctl. */
    static String millis(Duration d) {
        return String.format(Locale.ROOT, "%.3f ms", d.toNanos() / 1e6);
    }
}
