package dev.migscope.qemu;

import dev.migscope.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One asynchronous QMP event as QEMU sent it.
 *
 * @param name            {@code VFIO_MIGRATION}, {@code MIGRATION}, {@code STOP}, ...
 * @param data            the event's data member (an empty object when absent)
 * @param timestampMicros QEMU's own time of the event, microseconds since the Unix epoch; -1 when
 *                        QEMU could not read its clock (the spec's seconds = microseconds = -1)
 */
public record QmpEvent(String name, JsonNode data, long timestampMicros) {

    public QmpEvent {
        data = data == null || !data.isObject() ? Json.object() : data;
    }

    /** Parses {@code {"event":..., "data":..., "timestamp":{"seconds":..,"microseconds":..}}}. */
    static QmpEvent of(JsonNode message) {
        JsonNode ts = message.path("timestamp");
        long seconds = ts.path("seconds").asLong(-1);
        long micros = ts.path("microseconds").asLong(-1);
        long time = seconds < 0 || micros < 0 ? -1 : seconds * 1_000_000 + micros;
        return new QmpEvent(message.path("event").asText(), message.path("data"), time);
    }

    /** A text member of the data, or null when absent. */
    public String text(String member) {
        JsonNode n = data.get(member);
        return n == null || n.isNull() ? null : n.asText();
    }

    public Instant instant() {
        return Micros.instant(timestampMicros);
    }
}
