package dev.migscope.telemetry;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.IntFunction;

/**
 * A recording of telemetry from the moment it starts, written out as CSV when asked: a header
 * {@code time_s,state,pre_copy_throughput,...} (every {@link Metric}, lower case), then one row
 * per sample: seconds of the view's clock with three decimals, integers as integers, other values
 * with three decimals, an empty cell where a metric was not measured. Any thread.
 */
public final class CsvRecording {

    private final Telemetry telemetry;
    private final long sinceNanos;

    private CsvRecording(Telemetry telemetry, long sinceNanos) {
        this.telemetry = telemetry;
        this.sinceNanos = sinceNanos;
    }

    /** Records from the newest sample on (from the first when there is none yet). */
    public static CsvRecording start(Telemetry telemetry) {
        Sample latest = telemetry.latest();
        return new CsvRecording(telemetry, latest == null ? 0 : latest.timeNanos());
    }

    /**
     * Writes what was recorded so far to {@code file}.
     *
     * @param stateName names a {@link Metric#STATE} value (the uAPI's device_state number); telemetry
     *                  knows no state names, the caller does
     */
    public void write(Path file, IntFunction<String> stateName) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            write(telemetry.snapshot(sinceNanos, Metric.values()), w, stateName);
        }
    }

    static void write(TelemetrySnapshot snap, Writer w, IntFunction<String> stateName) throws IOException {
        StringBuilder head = new StringBuilder("time_s");
        for (Metric m : Metric.values()) {
            head.append(',').append(m.name().toLowerCase(Locale.ROOT));
        }
        w.write(head.append('\n').toString());
        long[] t = snap.times();
        for (int i = 0; i < t.length; i++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%.3f", t[i] / 1e9));
            for (Metric m : Metric.values()) {
                double v = snap.values(m)[i];
                row.append(',');
                if (Double.isNaN(v)) {
                    continue;
                }
                if (m == Metric.STATE) {
                    row.append(stateName.apply((int) v));
                } else {
                    row.append(v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3f", v));
                }
            }
            w.write(row.append('\n').toString());
        }
    }
}
