package dev.migscope.protocol;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The protocol's values as JSON and back, one pair of methods per type, so that both sides agree
 * by construction: an absent key is an unknown (null) value, durations are nanoseconds, states and
 * refusals their uAPI names, features their bit mask.
 */
public final class Codec {

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
            o.putObject("owner").put("pid", d.owner().pid()).put("command", d.owner().command());
        }
        if (d.features() != null) {
            o.put("features", d.features().flags());
        }
        put(o, "state", d.state());
        put(o, "access", d.access());
        return o;
    }

    public static DeviceInfo info(JsonNode o) {
        JsonNode owner = o.get("owner");
        return new DeviceInfo(text(o, "id"), DeviceKind.valueOf(text(o, "kind")), text(o, "driver"),
                text(o, "vendor"), text(o, "device"), text(o, "vendor_id"), text(o, "device_id"),
                o.hasNonNull("iommu_group") ? o.get("iommu_group").asInt() : null, text(o, "cdev"),
                owner == null ? null : new Owner(owner.get("pid").asInt(), text(owner, "command")),
                features(o, "features"), state(o, "state"), text(o, "access"));
    }

    public static MigFeatures features(JsonNode o, String key) {
        return o.hasNonNull(key) ? new MigFeatures(o.get(key).asInt()) : null;
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
        return o == null || o.isNull() ? null
                : new VfioError(o.path("errno").asInt(), text(o, "call"), text(o, "device"), text(o, "message"));
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
        List<TransitionResult.Step> steps = new ArrayList<>();
        for (JsonNode st : o.path("steps")) {
            steps.add(new TransitionResult.Step(state(st, "from"), state(st, "to"), nanos(st),
                    error(st.get("error")), st.path("data_fd").asInt(-1)));
        }
        return new TransitionResult(text(o, "device"), text(o, "call"), state(o, "from"), state(o, "requested"),
                steps, state(o, "final"), o.hasNonNull("refusal") ? Refusal.valueOf(text(o, "refusal")) : null,
                error(o.get("error")), o.path("data_fd").asInt(-1), nanos(o));
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
        List<StreamResult.PhaseBytes> phases = new ArrayList<>();
        for (JsonNode p : o.path("phases")) {
            phases.add(new StreamResult.PhaseBytes(MigState.valueOf(text(p, "phase")), p.path("bytes").asLong()));
        }
        List<TransitionResult> transitions = new ArrayList<>();
        o.path("transitions").forEach(t -> transitions.add(transition(t)));
        return new StreamResult(file, phases, transitions, state(o, "final"), error(o.get("error")),
                o.path("cancelled").asBoolean(), nanos(o));
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
        List<MigState> steps = new ArrayList<>();
        o.path("steps").forEach(s -> steps.add(MigState.valueOf(s.asText())));
        return new DeviceEvent(Instant.ofEpochMilli(o.path("time_ms").asLong()),
                DeviceEvent.Kind.valueOf(text(o, "kind")), text(o, "call"), state(o, "from"), state(o, "to"),
                state(o, "final"), steps, nanos(o), error(o.get("error")),
                o.hasNonNull("refusal") ? Refusal.valueOf(text(o, "refusal")) : null, o.path("data_fd").asInt(-1),
                o.hasNonNull("message") ? text(o, "message") : "");
    }

    // ---------------------------------------------------------------- DMA logging

    public static ArrayNode ranges(List<IovaRange> ranges) {
        ArrayNode a = Json.array();
        ranges.forEach(r -> a.addObject().put("iova", r.iova()).put("length", r.length()));
        return a;
    }

    public static List<IovaRange> ranges(JsonNode a) {
        List<IovaRange> ranges = new ArrayList<>();
        a.forEach(r -> ranges.add(new IovaRange(r.path("iova").asLong(), r.path("length").asLong())));
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
        Sample s = new Sample(o.path("t").asLong());
        o.path("values").fields().forEachRemaining(e -> s.set(Metric.valueOf(e.getKey()), e.getValue().asDouble()));
        return s;
    }

    // ---------------------------------------------------------------- plumbing

    public static String text(JsonNode o, String key) {
        JsonNode v = o.get(key);
        return v == null || v.isNull() ? null : v.asText();
    }

    public static MigState state(JsonNode o, String key) {
        return o.hasNonNull(key) ? MigState.valueOf(o.get(key).asText()) : null;
    }

    private static Duration nanos(JsonNode o) {
        return Duration.ofNanos(o.path("nanos").asLong());
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
