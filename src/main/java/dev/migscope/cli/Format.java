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

    /** Seconds as {@code 12.3 ms} or {@code 1.20 s}. */
    static String seconds(double s) {
        if (Double.isNaN(s)) {
            return "-";
        }
        return s < 1 ? String.format(Locale.ROOT, "%.1f ms", s * 1e3) : String.format(Locale.ROOT, "%.2f s", s);
    }
}
