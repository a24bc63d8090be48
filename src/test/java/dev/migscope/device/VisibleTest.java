package dev.migscope.device;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Controls from outside become their escapes; printable text, any script, stays as it is. */
class VisibleTest {

    @Test
    void escEscBelAndCsiSequencesBecomeVisible() {
        assertThat(Visible.of("\u001b]0;title\u0007\u001b[2J")).isEqualTo("\\u001b]0;title\\u0007\\u001b[2J");
    }

    @Test
    void c1ControlsDelAndLineEndsBecomeVisible() {
        assertThat(Visible.of("a\u009b31mb\u007fc\u0085d")).isEqualTo("a\\u009b31mb\\u007fc\\u0085d");
        assertThat(Visible.of("one\ntwo\r\tthree")).isEqualTo("one\\u000atwo\\u000d\\u0009three");
        assertThat(Visible.of("x\u2028y")).isEqualTo("x\\u2028y");
    }

    @Test
    void bidiOverridesThatReorderALineBecomeVisible() {
        assertThat(Visible.of("evil\u202e txt.exe\u2066")).isEqualTo("evil\\u202e txt.exe\\u2066");
    }

    @Test
    void printableUnicodeIsKept() {
        String text = "Mellanox ConnectX-7 — Gerät 0000:3b:00.1 ✓ 日本語 \uD83D\uDE80 a\\u001b";
        assertThat(Visible.of(text)).isSameAs(text);
    }

    @Test
    void linesKeepLineFeedsAndTabsOnly() {
        assertThat(Visible.lines("a\tb\nc\u001b[0m\r")).isEqualTo("a\tb\nc\\u001b[0m\\u000d");
    }

    @Test
    void nullPrintsAsNull() {
        assertThat(Visible.of(null)).isEqualTo("null");
    }
}
