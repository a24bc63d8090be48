package dev.migscope.telemetry;

import java.util.Locale;

/** The one way migscope writes a span of seconds for a person (text output; JSON keeps raw numbers). */
public final class Seconds {

    private Seconds() {
    }

    /** Seconds as {@code 12.3 ms} or {@code 1.20 s}; {@code -} for NaN (unknown). */
    public static String format(double s) {
        if (Double.isNaN(s)) {
            return "-";
        }
        return s < 1 ? String.format(Locale.ROOT, "%.1f ms", s * 1e3) : String.format(Locale.ROOT, "%.2f s", s);
    }
}
