package dev.migscope.conform;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.json.Json;

/**
 * The {@code --json} form of a report (docs/CONFORMANCE.md documents it). Its keys and their order
 * are stable, so a driver's CI can parse it: schema {@value #SCHEMA}. A value that is not known is
 * there as null (a report from a device without migration support has no features).
 */
public final class ReportJson {

    public static final String SCHEMA = "migscope-conform/1";

    private ReportJson() {
    }

    public static String toJson(ConformanceReport r) {
        ObjectNode o = Json.object().put("schema", SCHEMA);
        ObjectNode device = o.putObject("device").put("id", r.deviceId()).put("driver", r.driver());
        if (r.features() == null) {
            device.putNull("features").putNull("migrationFlags");
        } else {
            device.put("features", r.features().cliNames()).put("migrationFlags", r.features().flags());
        }
        if (r.peerId() == null) {
            o.putNull("peer");
        } else {
            o.putObject("peer").put("id", r.peerId());
        }
        o.put("repeats", r.repeats());
        o.putObject("summary")
                .put("passed", r.count(Status.PASS))
                .put("failed", r.count(Status.FAIL))
                .put("warnings", r.count(Status.WARN))
                .put("notApplicable", r.notApplicable().size())
                .put("ok", !r.hasFailures());
        ArrayNode results = o.putArray("results");
        for (CheckResult c : r.results()) {
            ObjectNode x = results.addObject().put("id", c.id()).put("group", c.group()).put("title", c.title())
                    .put("status", c.status().jsonName());
            x.putObject("rule").put("id", c.rule().id()).put("source", c.rule().source()).put("text", c.rule().text());
            x.put("evidence", c.evidence());
        }
        ArrayNode notApplicable = o.putArray("notApplicable");
        for (NotApplicable n : r.notApplicable()) {
            notApplicable.addObject().put("id", n.id()).put("reason", n.reason());
        }
        ArrayNode latency = o.putArray("latency");
        for (ArcLatency l : r.latency()) {
            latency.addObject().put("arc", l.arc().id()).put("from", l.arc().from().name())
                    .put("to", l.arc().to().name()).put("samples", l.samples())
                    .put("medianNanos", l.medianNanos()).put("p99Nanos", l.p99Nanos());
        }
        ArrayNode restore = o.putArray("restore");
        for (ConformanceReport.Restore x : r.restores()) {
            restore.addObject().put("id", x.deviceId()).put("restored", x.restored())
                    .put("state", x.state() == null ? null : x.state().name()).put("how", x.how());
        }
        return Json.write(o);
    }
}
