package dev.migscope.conform;

import dev.migscope.device.Visible;
import dev.migscope.fsm.Arc;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The human form of a report: grouped, aligned, each failure and warning followed by its evidence
 * and the uAPI rule it breaks, then the SET latencies, how the device was left, and the summary.
 */
public final class ReportText {

    private ReportText() {
    }

    public static String format(ConformanceReport r) {
        StringBuilder sb = new StringBuilder();
        sb.append("migscope conform ").append(Visible.of(r.deviceId())).append(" (").append(Visible.of(r.driver())).append(", features ")
                .append(r.features() == null ? "unknown" : r.features().toString()).append(')');
        if (r.peerId() != null) {
            sb.append(", peer ").append(Visible.of(r.peerId()));
        }
        sb.append('\n');
        int idWidth = r.results().stream().mapToInt(c -> c.id().length()).max().orElse(10);
        Map<String, List<CheckResult>> groups = new LinkedHashMap<>();
        for (CheckResult c : r.results()) {
            groups.computeIfAbsent(c.group(), g -> new java.util.ArrayList<>()).add(c);
        }
        String indent = " ".repeat(8);
        for (Map.Entry<String, List<CheckResult>> g : groups.entrySet()) {
            sb.append('\n').append(g.getKey()).append('\n');
            for (CheckResult c : g.getValue()) {
                sb.append(String.format(Locale.ROOT, "  %-4s  %-" + idWidth + "s  %s%n",
                        c.status().name(), c.id(), c.title()));
                if (c.status() != Status.PASS) {
                    sb.append(indent).append("evidence: ").append(Visible.of(c.evidence())).append('\n');
                    sb.append(indent).append("rule: ").append(c.rule().source()).append(": \"")
                            .append(c.rule().text()).append("\"\n");
                }
            }
        }
        if (!r.notApplicable().isEmpty()) {
            sb.append("\nnot applicable\n");
            for (NotApplicable n : r.notApplicable()) {
                sb.append(String.format(Locale.ROOT, "  -     %-" + idWidth + "s  %s%n", n.id(), n.reason()));
            }
        }
        if (!r.latency().isEmpty()) {
            int arcWidth = r.latency().stream().mapToInt(l -> arc(l.arc()).length()).max().orElse(10);
            sb.append(String.format(Locale.ROOT, "%nlatency of the SET (%d repeats)%n  %-" + arcWidth + "s  %10s  %10s%n",
                    r.repeats(), "arc", "median", "p99"));
            for (ArcLatency l : r.latency()) {
                sb.append(String.format(Locale.ROOT, "  %-" + arcWidth + "s  %10s  %10s%n", arc(l.arc()),
                        duration(l.medianNanos()), duration(l.p99Nanos())));
            }
        }
        sb.append('\n');
        for (ConformanceReport.Restore x : r.restores()) {
            sb.append(Visible.of(x.deviceId())).append(x.restored() ? ": restored to RUNNING (" : ": NOT restored to RUNNING, ")
                    .append(x.restored() ? Visible.of(x.how()) + ")" : "left in " + (x.state() == null ? "an unknown state"
                            : x.state()) + ": " + Visible.of(x.how()))
                    .append('\n');
        }
        sb.append(r.summaryLine());
        if (!r.notApplicable().isEmpty()) {
            sb.append(" (").append(r.notApplicable().size()).append(" not applicable)");
        }
        return sb.append('\n').toString();
    }

    private static String arc(Arc a) {
        return a.from() + " -> " + a.to();
    }

    /** 812 ns, 4.1 us, 12.3 ms, 1.20 s. */
    static String duration(long nanos) {
        if (nanos < 1_000) {
            return nanos + " ns";
        }
        if (nanos < 1_000_000) {
            return String.format(Locale.ROOT, "%.1f us", nanos / 1e3);
        }
        if (nanos < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }
}
