package dev.migscope.qemu;

import dev.migscope.json.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.Visible;
import dev.migscope.telemetry.Bytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/**
 * What one or more attached QEMUs showed: per QEMU its migrations (status, QEMU's times, RAM and
 * VFIO bytes, error-desc), per device its states with QEMU's timestamps and durations, and the
 * VFIO bytes before and after STOP_COPY as the polls saw them. Partial when a QEMU went away, and
 * it says so.
 */
public final class QemuReport {

    static final String BYTES_NOTE = "from query-migrate polls: vfio.transferred at the last poll before the "
            + "STOP_COPY event, and what it grew by after; QEMU counts all its VFIO devices together";

    private final ObjectNode json;

    private QemuReport(ObjectNode json) {
        this.json = json;
    }

    /** Takes the report of what the QEMUs showed until now. */
    public static QemuReport of(List<AttachedQemu> qemus) {
        ObjectNode root = Json.object().put("generated_us", Micros.now());
        ArrayNode list = root.putArray("qemus");
        for (AttachedQemu q : qemus) {
            list.add(qemu(q));
        }
        return new QemuReport(root);
    }

    /** A report as {@link #json()} gave it (the agent sends it so for {@code --host}). */
    public static QemuReport fromJson(ObjectNode json) {
        return new QemuReport(json.deepCopy());
    }

    /**
     * This report once the link to the QEMUs' host is lost: each QEMU not yet ended ends with
     * {@code why}, partial, its devices' last states open (how long they lasted is not known here).
     */
    public QemuReport lost(String why) {
        ObjectNode copy = json.deepCopy();
        copy.path("qemus").forEach(q -> {
            if (q.path("ended").isNull() || q.path("ended").isMissingNode()) {
                ((ObjectNode) q).put("ended", why + "; the report keeps what arrived until then")
                        .put("partial", !q.path("outcome").asText().equals("completed"));
                q.path("devices").forEach(d -> {
                    JsonNode states = d.path("states");
                    if (!states.isEmpty()) {
                        ((ObjectNode) states.get(states.size() - 1)).putNull("duration_us");
                    }
                });
            }
        });
        return new QemuReport(copy);
    }

    private static ObjectNode qemu(AttachedQemu q) {
        ObjectNode o = Json.object().put("name", q.name()).put("socket", q.where()).put("source", q.source())
                .put("version", q.version().toString()).put("role", q.role().name().toLowerCase(Locale.ROOT))
                .put("attached_us", q.startMicros());
        q.process().ifPresentOrElse(p -> o.put("pid", p.pid()).put("command", p.command()), () -> o.putNull("pid"));
        String ended = q.ended();
        o.put("outcome", q.outcome().isDone() ? q.outcome().join().name().toLowerCase(Locale.ROOT) : "pending");
        o.put("ended", ended);
        o.put("partial", ended != null && q.outcome().getNow(null) != AttachedQemu.Outcome.COMPLETED);
        if (q.downtimeLimitMs() != null) {
            o.put("downtime_limit_ms", q.downtimeLimitMs());
        }
        ArrayNode warnings = o.putArray("warnings");
        q.warnings().forEach(warnings::add);
        ArrayNode migrations = o.putArray("migrations");
        for (MigrationRun r : q.runs()) {
            migrations.add(migration(r));
        }
        ArrayNode devices = o.putArray("devices");
        long endMicros = ended != null ? -1 : Micros.now();
        for (ObservedDevice d : q.devices()) {
            devices.add(device(d, q.runs().isEmpty() ? null : q.runs().get(q.runs().size() - 1).info(), endMicros));
        }
        return o;
    }

    private static ObjectNode migration(MigrationRun r) {
        MigrationInfo i = r.info();
        ObjectNode m = Json.object().put("status", r.status());
        ArrayNode statuses = m.putArray("statuses");
        for (MigrationRun.StatusChange c : r.statuses()) {
            statuses.addObject().put("status", c.status()).put("time_us", c.micros()).put("seen_by", c.seenBy());
        }
        m.put("setup_time_ms", i.setupTimeMs()).put("total_time_ms", i.totalTimeMs())
                .put("downtime_ms", i.downtimeMs()).put("ram_bytes", i.ramTransferred())
                .put("ram_total_bytes", i.ramTotal()).put("vfio_bytes", i.vfioTransferred())
                .put("error_desc", i.errorDesc());
        return m;
    }

    /** @param endMicros when the last state ends: now while attached, -1 (open) once QEMU is gone */
    private static ObjectNode device(ObservedDevice d, MigrationInfo last, long endMicros) {
        VfioPciDevice v = d.device();
        ObjectNode o = Json.object().put("qom_path", v.qomPath()).put("device_id", v.deviceId())
                .put("host_device", v.hostDeviceId()).put("features", d.features().cliNames())
                .put("features_from", d.featuresFromHost() ? "host" : "events");
        ArrayNode states = o.putArray("states");
        List<StateSpan> spans = d.spans();
        for (int k = 0; k < spans.size(); k++) {
            StateSpan s = spans.get(k);
            long end = k + 1 < spans.size() ? spans.get(k + 1).startMicros() : endMicros;
            ObjectNode st = states.addObject().put("state", s.state().name()).put("qemu_state", s.qapiName())
                    .put("seen_by", s.polled() ? "debugfs" : "event").put("start_us", s.startMicros());
            st.put("duration_us", end < 0 ? null : end - s.startMicros());
            ArrayNode kernel = st.putArray("kernel_steps");
            s.kernelSteps().forEach(x -> kernel.add(x.name()));
        }
        Long before = d.vfioBeforeStopCopy();
        Long total = last == null ? null : last.vfioTransferred();
        if (before != null) {
            ObjectNode b = o.putObject("vfio_bytes_polled");
            b.put("before_stop_copy", before).put("before_polled_at_us", d.vfioBeforeStopCopyMicros())
                    .put("after_stop_copy", total == null ? null : total - before).put("note", BYTES_NOTE);
        }
        return o;
    }

    public ObjectNode json() {
        return json.deepCopy();
    }

    /** Writes the JSON report atomically: a temporary file beside it, then a rename. */
    public void write(Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, pretty() + "\n");
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private String pretty() {
        try {
            return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The report for a person: one block per QEMU. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        json.path("qemus").forEach(q -> {
            sb.append("QEMU ").append(shown(q.path("name"))).append(" (").append(shown(q.path("version")))
                    .append(", ").append(shown(q.path("role")))
                    .append(q.path("pid").isNumber() ? ", pid " + q.path("pid").asLong() : "")
                    .append(", ").append(shown(q.path("socket")))
                    .append("): ").append(shown(q.path("outcome"))).append('\n');
            if (!q.path("ended").isNull()) {
                sb.append("  ended: ").append(shown(q.path("ended")))
                        .append(q.path("partial").asBoolean() ? " [partial report]" : "").append('\n');
            }
            q.path("warnings").forEach(w -> sb.append("  warning: ").append(shown(w)).append('\n'));
            q.path("migrations").forEach(m -> {
                sb.append("  migration ").append(shown(m.path("status")));
                ms(sb, m, "setup_time_ms", "setup");
                ms(sb, m, "total_time_ms", "total");
                ms(sb, m, "downtime_ms", "downtime");
                bytes(sb, m, "ram_bytes", "RAM");
                bytes(sb, m, "vfio_bytes", "VFIO");
                if (!m.path("error_desc").isNull()) {
                    sb.append("  error: ").append(shown(m.path("error_desc")));
                }
                sb.append('\n');
            });
            q.path("devices").forEach(d -> {
                sb.append("  device ").append(shown(d.path("device_id"))).append(" ")
                        .append(shown(d.path("qom_path"))).append(" = host ")
                        .append(d.path("host_device").isTextual() ? shown(d.path("host_device")) : "unknown")
                        .append('\n');
                d.path("states").forEach(s -> sb.append(String.format(Locale.ROOT, "    %s  %-12s %s%s%s%n",
                        Micros.format(s.path("start_us").asLong()), shown(s.path("state")),
                        s.path("duration_us").isNull() ? "(open)" : String.format(Locale.ROOT, "%.3f ms",
                                s.path("duration_us").asLong() / 1e3),
                        s.path("kernel_steps").isEmpty() ? "" : "  via " + s.path("kernel_steps").toString(),
                        s.path("seen_by").asText().equals("debugfs") ? "  (polled from debugfs)" : "")));
                if (d.has("vfio_bytes_polled")) {
                    ObjectNode b = (ObjectNode) d.get("vfio_bytes_polled");
                    sb.append("    VFIO bytes (polled): before STOP_COPY ")
                            .append(Bytes.format(b.path("before_stop_copy").asLong())).append(", after ")
                            .append(b.path("after_stop_copy").isNull() ? "?"
                                    : Bytes.format(b.path("after_stop_copy").asLong())).append('\n');
                }
            });
        });
        return sb.toString();
    }

    /** A member QEMU (or the far side) gave, as it may be printed. */
    private static String shown(JsonNode n) {
        return Visible.of(n.asText());
    }

    private static void ms(StringBuilder sb, JsonNode m, String member, String label) {
        if (m.path(member).isNumber()) {
            sb.append(", ").append(label).append(' ').append(m.path(member).asLong()).append(" ms");
        }
    }

    private static void bytes(StringBuilder sb, JsonNode m, String member,
            String label) {
        if (m.path(member).isNumber()) {
            sb.append(", ").append(label).append(' ').append(Bytes.format(m.path(member).asLong()));
        }
    }
}
