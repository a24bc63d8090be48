package dev.migscope.cli;

import java.time.Duration;
import java.util.Locale;

/** Human units for the text output (JSON output keeps raw numbers). */
final class Format {

    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private Format() {
    }

    /** {@code 512 B}, {@code 1.5 MiB}. */
    static String bytes(double b) {
        if (Double.isNaN(b)) {
            return "-";
        }
        int u = 0;
        double v = b;
        while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0f B", v) : String.format(Locale.ROOT, "%.1f %s", v, UNITS[u]);
    }

    /** {@code 1.5 MiB/s}. */
    static String rate(double bytesPerSecond) {
        return Double.isNaN(bytesPerSecond) ? "-" : bytes(bytesPerSecond) + "/s";
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
