package dev.migscope.telemetry;

import java.util.Locale;

/** The one way migscope writes a byte count for a person: binary units (KiB, MiB, GiB), everywhere. */
public final class Bytes {

    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private Bytes() {
    }

    /** {@code 512 B}, {@code 1.5 MiB}; {@code -} for NaN (unknown). */
    public static String format(double b) {
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
    public static String rate(double bytesPerSecond) {
        return Double.isNaN(bytesPerSecond) ? "-" : format(bytesPerSecond) + "/s";
    }

    /** MiB as a number, for chart axes labelled "MiB". */
    public static double mebibytes(double bytes) {
        return bytes / (1 << 20);
    }
}
