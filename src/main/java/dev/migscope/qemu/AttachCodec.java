package dev.migscope.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.json.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An attach run over {@code --host} as JSON and back (the agent protocol's {@code attach} request,
 * since protocol 4), as {@code protocol.Codec} does for the device requests: its options, each
 * {@link Observation} pushed, and its result. The report travels as {@link QemuReport#json()};
 * times stay QEMU's microseconds, so that the near side formats them as a local attach would.
 * Here, not in {@code protocol}, because these values are qemu's: the agent encodes them where
 * QEMU is, the near side decodes them, and {@code remote} carries them as they are.
 */
public final class AttachCodec {

    private AttachCodec() {
    }

    public static ObjectNode options(AttachRun.Options o) {
        ObjectNode j = Json.object();
        ArrayNode sockets = j.putArray("sockets");
        o.sockets().forEach(s -> sockets.add(s.toString()));
        j.put("until_done", o.untilDone());
        if (o.timeout() != null) {
            j.put("timeout_nanos", o.timeout().toNanos());
        }
        j.put("migrate", o.migrate()).put("cancel", o.cancel()).put("downtime_limit_ms", o.downtimeLimitMs());
        return j;
    }

    public static AttachRun.Options options(JsonNode j) {
        List<Path> sockets = new ArrayList<>();
        j.path("sockets").forEach(s -> sockets.add(Path.of(s.asText())));
        return new AttachRun.Options(sockets, j.path("until_done").asBoolean(),
                j.hasNonNull("timeout_nanos") ? Duration.ofNanos(j.get("timeout_nanos").asLong()) : null,
                j.hasNonNull("migrate") ? j.get("migrate").asText() : null, j.path("cancel").asBoolean(),
                j.hasNonNull("downtime_limit_ms") ? j.get("downtime_limit_ms").asLong() : null);
    }

    public static ObjectNode observation(Observation o) {
        ObjectNode j = Json.object().put("time_us", o.timeMicros()).put("qemu", o.qemu())
                .put("kind", o.kind().name()).put("text", o.text());
        j.set("members", o.json());
        return j;
    }

    public static Observation observation(JsonNode j) {
        return new Observation(j.path("time_us").asLong(), j.path("qemu").asText(),
                Observation.Kind.valueOf(j.path("kind").asText().toUpperCase(Locale.ROOT)), j.path("text").asText(),
                j.path("members").isObject() ? (ObjectNode) j.get("members") : Json.object());
    }

    public static ObjectNode result(AttachRun.Result r) {
        ObjectNode j = Json.object().put("ending", r.ending().wireName()).put("message", r.message());
        j.set("report", r.report() == null ? null : r.report().json());
        return j;
    }

    public static AttachRun.Result result(JsonNode j) {
        return new AttachRun.Result(AttachRun.Ending.ofWire(j.path("ending").asText()),
                j.hasNonNull("message") ? j.get("message").asText() : null, report(j.get("report")));
    }

    /**
     * The result of a run whose connection to its host was lost first: {@link AttachRun.Ending#LOST},
     * with the last report that arrived, its QEMUs not yet ended ending with {@code why}.
     *
     * @param lastReport the last report pushed, null when none had arrived
     */
    public static AttachRun.Result lost(String why, JsonNode lastReport) {
        QemuReport last = report(lastReport);
        return new AttachRun.Result(AttachRun.Ending.LOST,
                why + "; the far side's migscope detaches from its QEMUs and leaves them as they are",
                last == null ? null : last.lost(why));
    }

    /** A pushed or replied report; null when absent. */
    private static QemuReport report(JsonNode j) {
        return j != null && j.isObject() ? QemuReport.fromJson((ObjectNode) j) : null;
    }
}
