package dev.migscope.qemu;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** QEMU's time axis: microseconds since the Unix epoch, as its QMP event timestamps carry them. */
final class Micros {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS").withZone(ZoneId.systemDefault());

    private Micros() {
    }

    /** Now on the same clock (QEMU takes its timestamps from the host's real-time clock). */
    static long now() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000 + t.getNano() / 1_000;
    }

    static Instant instant(long micros) {
        return micros < 0 ? Instant.EPOCH : Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1_000);
    }

    /** {@code 16:02:11.123456}, local time. */
    static String format(long micros) {
        return micros < 0 ? "--:--:--.------" : TIME.format(instant(micros));
    }
}
