package dev.migscope.remote;

/**
 * Text from the far side as it may be printed here: a control character (an escape sequence that
 * would move the cursor, recolour or retitle the terminal, a carriage return that would overwrite
 * the line) is shown as {@code \xNN}, so what the far side sends cannot pass for migscope's own.
 */
final class Visible {

    private Visible() {
    }

    static String of(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (c != '\t' && (c < 0x20 || c >= 0x7f && c < 0xa0 || c == 0x2028 || c == 0x2029)) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }
}
