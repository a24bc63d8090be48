package dev.migscope.cli;

import dev.migscope.device.Visible;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.fsm.MigState;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.json.Json;
import dev.migscope.session.SessionOptions;
import dev.migscope.telemetry.Bytes;
import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.Seconds;
import dev.migscope.telemetry.TelemetrySnapshot;
import dev.migscope.view.DeviceView;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code migscope watch DEV}: the session's telemetry samples as they are taken. */
@Command(name = "watch", description = {
    "Print the device's telemetry, one sample per interval: state, data_fd bytes, PRE_COPY initial and "
            + "dirty bytes, dirty rate, stop_copy_length (MIG_DATA_SIZE) and the downtime estimate at a "
            + "10 Gbit/s link. Nothing is changed.",
    "A device another process holds (EBUSY) is watched passively through debugfs where the kernel allows it.",
    "--json prints one JSON object per line: t (s), state, total_bytes, initial_bytes, dirty_bytes, "
            + "dirty_rate (B/s), stop_copy_length, downtime_estimate (s), precopy_flags (the PRECOPY_INFO flags "
            + "since the last line after the PRECOPY_INFOv2 opt-in; 1 is REINIT); null when not measured.",
    "A line whose PRECOPY_INFO said REINIT (new initial data: initial_bytes may grow, dirty_bytes restarts) "
            + "ends with REINIT."})
final class WatchCommand implements Callable<Integer> {

    private static final Metric[] METRICS = {Metric.STATE, Metric.TOTAL_BYTES, Metric.INITIAL_BYTES,
        Metric.DIRTY_BYTES, Metric.DIRTY_RATE, Metric.STOP_COPY_LENGTH, Metric.DOWNTIME_ESTIMATE,
        Metric.PRECOPY_FLAGS};

    @Mixin
    DeviceParameter dev;

    @Option(names = "--interval", paramLabel = "MS", defaultValue = "1000",
            description = "Sampling interval in milliseconds (default: ${DEFAULT-VALUE}).")
    long intervalMillis;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0",
            description = "Stop after N samples (default: until interrupted).")
    long count;

    @Option(names = "--json", description = "Print JSON lines instead of a table.")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        if (intervalMillis < 1) {
            throw new picocli.CommandLine.ParameterException(dev.spec.commandLine(),
                    "--interval must be at least 1 ms, was " + intervalMillis);
        }
        if (count < 0) {
            throw new picocli.CommandLine.ParameterException(dev.spec.commandLine(),
                    "--count must be 0 (no limit) or more, was " + count);
        }
        PrintWriter out = dev.spec.commandLine().getOut();
        SessionOptions options = SessionOptions.defaults().withSampleInterval(Duration.ofMillis(intervalMillis));
        try (DeviceView s = dev.root().openOrWatch(dev.id, options)) {
            if (!json) {
                out.println("# " + Visible.of(dev.id + "  " + s.info().displayName()) + "  features "
                        + s.features()
                        + (s.isPassive() ? "  (passive: read from debugfs)" : "") + "  every " + intervalMillis
                        + " ms");
                out.println(String.format(Locale.ROOT, "%9s  %-12s  %10s  %10s  %10s  %12s  %10s  %9s", "t",
                        "state", "bytes", "initial", "dirty", "dirty rate", "stop_copy", "downtime"));
            }
            out.flush();
            long since = Long.MIN_VALUE;
            long printed = 0;
            long poll = Math.max(1, Math.min(intervalMillis, 50));
            while (count == 0 || printed < count) {
                TelemetrySnapshot snap = s.telemetry().snapshot(since, METRICS);
                for (int i = 0; i < snap.size() && (count == 0 || printed < count); i++) {
                    out.println(json ? jsonLine(snap, i) : textLine(snap, i));
                    since = snap.times()[i] + 1;
                    printed++;
                }
                out.flush();
                if (s.isGone()) {
                    throw new CliFailure(ExitCode.FAILED, MigscopeCli.goneLine(s) + "; watching stopped");
                }
                if (count == 0 || printed < count) {
                    Thread.sleep(poll);
                }
            }
        }
        return ExitCode.OK;
    }

    private static String stateName(double abi) {
        return Double.isNaN(abi) ? null : MigState.fromAbi((int) abi).map(Enum::name).orElse("?" + (int) abi);
    }

    static String textLine(TelemetrySnapshot s, int i) {
        String st = stateName(s.values(Metric.STATE)[i]);
        return String.format(Locale.ROOT, "%8.3fs  %-12s  %10s  %10s  %10s  %12s  %10s  %9s",
                s.times()[i] / 1e9,
                st == null ? "?" : st,
                Bytes.format(s.values(Metric.TOTAL_BYTES)[i]),
                Bytes.format(s.values(Metric.INITIAL_BYTES)[i]),
                Bytes.format(s.values(Metric.DIRTY_BYTES)[i]),
                Bytes.rate(s.values(Metric.DIRTY_RATE)[i]),
                Bytes.format(s.values(Metric.STOP_COPY_LENGTH)[i]),
                Seconds.format(s.values(Metric.DOWNTIME_ESTIMATE)[i]))
                + (reinit(s.values(Metric.PRECOPY_FLAGS)[i]) ? "  REINIT" : "");
    }

    private static boolean reinit(double flags) {
        return !Double.isNaN(flags) && ((int) flags & PrecopyInfo.REINIT) != 0;
    }

    static String jsonLine(TelemetrySnapshot s, int i) {
        ObjectNode o = Json.object();
        o.set("t", Json.number(s.times()[i] / 1e9));
        o.put("state", stateName(s.values(Metric.STATE)[i]));
        o.set("total_bytes", Json.number(s.values(Metric.TOTAL_BYTES)[i]));
        o.set("initial_bytes", Json.number(s.values(Metric.INITIAL_BYTES)[i]));
        o.set("dirty_bytes", Json.number(s.values(Metric.DIRTY_BYTES)[i]));
        o.set("dirty_rate", Json.number(s.values(Metric.DIRTY_RATE)[i]));
        o.set("stop_copy_length", Json.number(s.values(Metric.STOP_COPY_LENGTH)[i]));
        o.set("downtime_estimate", Json.number(s.values(Metric.DOWNTIME_ESTIMATE)[i]));
        o.set("precopy_flags", Json.number(s.values(Metric.PRECOPY_FLAGS)[i]));
        return Json.write(o);
    }
}
