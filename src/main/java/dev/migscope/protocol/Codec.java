package dev.migscope.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.IovaRange;
import dev.migscope.device.Owner;
import dev.migscope.device.VfioError;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.Refusal;
import dev.migscope.json.Json;
import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.Sample;
import dev.migscope.view.DeviceEvent;
import dev.migscope.view.StreamResult;
import dev.migscope.view.TransitionResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The protocol's values as JSON and back, one pair of methods per type, so that both sides agree
 * by construction: an absent key is an unknown (null) value, durations are nanoseconds, states and
 * refusals their uAPI names, features their bit mask. The decoders read what the other side sent,
 * so they check it: a field of the wrong type, a required one missing, a name that is no state or
 * kind, an array past {@link Protocol#MAX_ELEMENTS} is a {@link ProtocolException} naming the field.
 */
public final class Codec {

    /** The one mapper's settings, with bounds on what one line may make it build. */
    private static final ObjectMapper BOUNDED = Json.mapper(StreamReadConstraints.builder()
            .maxDocumentLength(Protocol.MAX_LINE)
            .maxStringLength(Protocol.MAX_LINE)
            .maxNameLength(256)
            .maxNestingDepth(32)
            .maxNumberLength(32)
            .build());

    private Codec() {
    }

    // ---------------------------------------------------------------- DeviceInfo

    public static ObjectNode info(DeviceInfo d) {
        ObjectNode o = Json.object();
        o.put("id", d.id());
        o.put("kind", d.kind().name());
        put(o, "driver", d.driver());
        put(o, "vendor", d.vendorName());
        put(o, "device", d.deviceName());
        put(o, "vendor_id", d.vendorId());
        put(o, "device_id", d.deviceId());
        if (d.iommuGroup() != null) {
            o.put("iommu_group", d.iommuGroup());
        }
        put(o, "cdev", d.cdev());
        if (d.owner() != null) {
            ObjectNode owner = o.putObject("owner").put("pid", d.owner().pid()).put("command", d.owner().command());
            put(owner, "domain", d.owner().domain());
        }
        if (d.features() != null) {
            o.put("features", d.features().flags());
        }
        put(o, "state", d.state());
        put(o, "access", d.access());
        return o;
    }

    public static DeviceInfo info(JsonNode o) {
        object(o, "info");
        JsonNode owner = o.get("owner");
        if (owner != null && !owner.isNull()) {
            object(owner, "owner");
        }
        Long group = number(o, "iommu_group");
        return new DeviceInfo(requiredText(o, "id"), enumValue(DeviceKind.class, o, "kind", true),
                text(o, "driver"), text(o, "vendor"), text(o, "device"), text(o, "vendor_id"), text(o, "device_id"),
                group == null ? null : group.intValue(), text(o, "cdev"),
                owner == null || owner.isNull() ? null
                        : new Owner((int) integer(owner, "pid"), text(owner, "command"), text(owner, "domain")),
                features(o, "features"), state(o, "state"), text(o, "access"));
    }

    public static MigFeatures features(JsonNode o, String key) {
        Long f = number(o, key);
        return f == null ? null : new MigFeatures(f.intValue());
    }

    // ---------------------------------------------------------------- VfioError

    public static ObjectNode error(VfioError e) {
        ObjectNode o = Json.object().put("errno", e.errno());
        put(o, "call", e.call());
        put(o, "device", e.deviceId());
        put(o, "message", e.message());
        return o;
    }

    public static VfioError error(JsonNode o) {
        if (o == null || o.isNull()) {
            return null;
        }
        object(o, "error");
        return new VfioError((int) integer(o, "errno"), text(o, "call"), text(o, "device"), text(o, "message"));
    }

    // ---------------------------------------------------------------- TransitionResult

    public static ObjectNode transition(TransitionResult r) {
        ObjectNode o = Json.object();
        put(o, "device", r.deviceId());
        put(o, "call", r.call());
        put(o, "from", r.from());
        put(o, "requested", r.requested());
        ArrayNode steps = o.putArray("steps");
        for (TransitionResult.Step s : r.steps()) {
            ObjectNode st = steps.addObject();
            put(st, "from", s.from());
            put(st, "to", s.to());
            st.put("nanos", s.duration().toNanos());
            putError(st, s.error());
            st.put("data_fd", s.dataFd());
        }
        put(o, "final", r.finalState());
        put(o, "refusal", r.refusal());
        putError(o, r.error());
        o.put("data_fd", r.dataFd());
        o.put("nanos", r.duration().toNanos());
        return o;
    }

    public static TransitionResult transition(JsonNode o) {
        object(o, "result");
        List<TransitionResult.Step> steps = new ArrayList<>();
        for (JsonNode st : elements(o, "steps")) {
            object(st, "steps");
            steps.add(new TransitionResult.Step(state(st, "from"), state(st, "to"), nanos(st),
                    error(st.get("error")), dataFd(st)));
        }
        return new TransitionResult(text(o, "device"), text(o, "call"), state(o, "from"), state(o, "requested"),
                steps, state(o, "final"), enumValue(Refusal.class, o, "refusal", false), error(o.get("error")),
                dataFd(o), nanos(o));
    }

    // ---------------------------------------------------------------- StreamResult

    public static ObjectNode stream(StreamResult r) {
        ObjectNode o = Json.object();
        ArrayNode phases = o.putArray("phases");
        r.bytesByPhase().forEach(p -> phases.addObject().put("phase", p.phase().name()).put("bytes", p.bytes()));
        ArrayNode transitions = o.putArray("transitions");
        r.transitions().forEach(t -> transitions.add(transition(t)));
        put(o, "final", r.finalState());
        putError(o, r.error());
        o.put("cancelled", r.cancelled());
        o.put("nanos", r.duration().toNanos());
        return o;
    }

    /** The result of a stream whose file is {@code file} on this side. */
    public static StreamResult stream(JsonNode o, Path file) {
        object(o, "result");
        List<StreamResult.PhaseBytes> phases = new ArrayList<>();
        for (JsonNode p : elements(o, "phases")) {
            object(p, "phases");
            phases.add(new StreamResult.PhaseBytes(enumValue(MigState.class, p, "phase", true), integer(p, "bytes")));
        }
        List<TransitionResult> transitions = new ArrayList<>();
        elements(o, "transitions").forEach(t -> transitions.add(transition(t)));
        return new StreamResult(file, phases, transitions, state(o, "final"), error(o.get("error")),
                bool(o, "cancelled"), nanos(o));
    }

    // ---------------------------------------------------------------- DeviceEvent

    public static ObjectNode event(DeviceEvent e) {
        ObjectNode o = Json.object();
        o.put("time_ms", e.time().toEpochMilli());
        o.put("kind", e.kind().name());
        put(o, "call", e.call());
        put(o, "from", e.from());
        put(o, "to", e.to());
        put(o, "final", e.finalState());
        o.set("steps", Json.strings(e.steps().stream().map(Enum::name).toList()));
        o.put("nanos", e.duration().toNanos());
        putError(o, e.error());
        put(o, "refusal", e.refusal());
        o.put("data_fd", e.dataFd());
        put(o, "message", e.message());
        return o;
    }

    public static DeviceEvent event(JsonNode o) {
        object(o, "event");
        List<MigState> steps = new ArrayList<>();
        elements(o, "steps").forEach(s -> steps.add(name(MigState.class, s, "steps")));
        String message = text(o, "message");
        return new DeviceEvent(Instant.ofEpochMilli(integer(o, "time_ms")),
                enumValue(DeviceEvent.Kind.class, o, "kind", true), text(o, "call"), state(o, "from"),
                state(o, "to"), state(o, "final"), steps, nanos(o), error(o.get("error")),
                enumValue(Refusal.class, o, "refusal", false), dataFd(o), message == null ? "" : message);
    }

    // ---------------------------------------------------------------- DMA logging

    public static ArrayNode ranges(List<IovaRange> ranges) {
        ArrayNode a = Json.array();
        ranges.forEach(r -> a.addObject().put("iova", r.iova()).put("length", r.length()));
        return a;
    }

    /** The {@code ranges} of {@code o}. */
    public static List<IovaRange> ranges(JsonNode o) {
        List<IovaRange> ranges = new ArrayList<>();
        for (JsonNode r : elements(o, "ranges")) {
            object(r, "ranges");
            ranges.add(new IovaRange(integer(r, "iova"), integer(r, "length")));
        }
        return ranges;
    }

    // ---------------------------------------------------------------- Sample

    /** A sample's time (on the session's own axis) and its measured metrics; an unmeasured one is absent. */
    public static ObjectNode sample(Sample s) {
        ObjectNode o = Json.object().put("t", s.timeNanos());
        ObjectNode values = o.putObject("values");
        for (Metric m : Metric.values()) {
            double v = s.get(m);
            if (!Double.isNaN(v)) {
                values.put(m.name(), v);
            }
        }
        return o;
    }

    public static Sample sample(JsonNode o) {
        Sample s = new Sample(integer(o, "t"));
        JsonNode values = object(required(o, "values"), "values");
        values.fields().forEachRemaining(e -> {
            if (!e.getValue().isNumber()) {
                throw new ProtocolException("field values." + e.getKey() + ": " + shown(e.getValue())
                        + " is not a number");
            }
            s.set(name(Metric.class, e.getKey(), "values"), e.getValue().asDouble());
        });
        return s;
    }

    // ---------------------------------------------------------------- reading and checking

    /**
     * One line the other side sent, as an object; past the bounds of {@link Protocol} (its length,
     * a string's, nesting, a number's digits) or not JSON, a {@link ProtocolException}.
     */
    public static ObjectNode parse(String line) {
        JsonNode n;
        try (JsonParser p = BOUNDED.createParser(line)) {
            n = BOUNDED.readTree(p);
            if (p.nextToken() != null) {
                throw new ProtocolException("a line with more than one JSON value");
            }
        } catch (JsonProcessingException e) {
            throw new ProtocolException("a line that is not JSON (" + String.valueOf(e.getOriginalMessage())
                    .lines().findFirst().orElse("") + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("reading a string has no I/O to fail", e);
        }
        if (n == null || !n.isObject()) {
            throw new ProtocolException("a line that is not a JSON object");
        }
        return (ObjectNode) n;
    }

    /** The field {@code key}; missing or null, a {@link ProtocolException}. */
    public static JsonNode required(JsonNode o, String key) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) {
            throw new ProtocolException("field " + key + " is missing");
        }
        return v;
    }

    /** A text field that must be there. */
    public static String requiredText(JsonNode o, String key) {
        required(o, key);
        return text(o, key);
    }

    /** A text field, null when absent; another type is a {@link ProtocolException}. */
    public static String text(JsonNode o, String key) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new ProtocolException("field " + key + ": " + shown(v) + " is not text");
        }
        return v.asText();
    }

    /** A state's uAPI name, null when absent. */
    public static MigState state(JsonNode o, String key) {
        return enumValue(MigState.class, o, key, false);
    }

    /** A whole number, null when absent. */
    public static Long number(JsonNode o, String key) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new ProtocolException("field " + key + ": " + shown(v) + " is not a whole number");
        }
        return v.asLong();
    }

    /** A required whole number. */
    public static long integer(JsonNode o, String key) {
        required(o, key);
        return number(o, key);
    }

    /** A boolean, false when absent. */
    public static boolean bool(JsonNode o, String key) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new ProtocolException("field " + key + ": " + shown(v) + " is not true or false");
        }
        return v.asBoolean();
    }

    /** The array {@code key} (empty when absent), at most {@link Protocol#MAX_ELEMENTS} long. */
    public static JsonNode elements(JsonNode o, String key) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) {
            return Json.array();
        }
        if (!v.isArray()) {
            throw new ProtocolException("field " + key + ": " + shown(v) + " is not an array");
        }
        if (v.size() > Protocol.MAX_ELEMENTS) {
            throw new ProtocolException("field " + key + " has " + v.size() + " elements, more than the protocol's "
                    + Protocol.MAX_ELEMENTS);
        }
        return v;
    }

    /** An enum constant by its name; absent is null unless {@code needed}. */
    public static <E extends Enum<E>> E enumValue(Class<E> type, JsonNode o, String key, boolean needed) {
        if (needed) {
            required(o, key);
        }
        JsonNode v = o.get(key);
        return v == null || v.isNull() ? null : name(type, v, key);
    }

    private static <E extends Enum<E>> E name(Class<E> type, JsonNode v, String key) {
        if (!v.isTextual()) {
            throw new ProtocolException("field " + key + ": " + shown(v) + " is not text");
        }
        return name(type, v.asText(), key);
    }

    private static <E extends Enum<E>> E name(Class<E> type, String name, String key) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        throw new ProtocolException("field " + key + ": " + shown(Json.mapper().getNodeFactory().textNode(name))
                + " is not a " + type.getSimpleName());
    }

    private static ObjectNode object(JsonNode v, String key) {
        if (!v.isObject()) {
            throw new ProtocolException("field " + key + ": " + shown(v) + " is not an object");
        }
        return (ObjectNode) v;
    }

    /** A value as it may be quoted in a message: JSON (control characters escaped), at most 60 characters. */
    private static String shown(JsonNode v) {
        String s = Json.write(v);
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    private static Duration nanos(JsonNode o) {
        Long n = number(o, "nanos");
        return Duration.ofNanos(n == null ? 0 : n);
    }

    private static int dataFd(JsonNode o) {
        Long fd = number(o, "data_fd");
        return fd == null ? -1 : fd.intValue();
    }

    private static void put(ObjectNode o, String key, String value) {
        if (value != null) {
            o.put(key, value);
        }
    }

    private static void put(ObjectNode o, String key, Enum<?> value) {
        if (value != null) {
            o.put(key, value.name());
        }
    }

    private static void putError(ObjectNode o, VfioError e) {
        if (e != null) {
            o.set("error", error(e));
        }
    }
}
