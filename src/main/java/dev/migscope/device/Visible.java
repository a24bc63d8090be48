package dev.migscope.device;

/**
 * Text from outside (QEMU's messages and event data, device and driver names, /proc's comm and
 * cmdline, file names, a far side's stderr) made safe to print: every character a terminal or a
 * text view would act on instead of showing is written as its Java/JSON escape, {@code \u001b}
 * for ESC, {@code \u000a} for a line feed. That is the C0 controls (U+0000 to U+001F), DEL, the
 * C1 controls (U+0080 to U+009F, among them the one-byte CSI U+009B), the line and paragraph
 * separators, and the bidirectional overrides and isolates that make a line read in another order
 * than it is written. Everything else, printable Unicode included, is kept. The escape is the one
 * JSON uses, so an escaped string inside JSON output still means the same characters.
 */
public final class Visible {

    private Visible() {
    }

    /** {@code text} on one line, every control made visible; null prints as {@code null}. */
    public static String of(String text) {
        return escape(text, false);
    }

    /**
     * {@code text} of several lines (a report, a table): line feeds and tabs kept, every other
     * control made visible.
     */
    public static String lines(String text) {
        return escape(text, true);
    }

    private static String escape(String text, boolean keepLines) {
        if (text == null) {
            return "null";
        }
        int i = 0;
        while (i < text.length() && !hidden(text.charAt(i), keepLines)) {
            i++;
        }
        if (i == text.length()) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 16).append(text, 0, i);
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (hidden(c, keepLines)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean hidden(char c, boolean keepLines) {
        if (keepLines && (c == '\n' || c == '\t')) {
            return false;
        }
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 || c == 0x061c
                || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
    }
}
