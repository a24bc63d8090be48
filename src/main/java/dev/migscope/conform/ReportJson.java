package dev.migscope.conform;

import static dev.migscope.json.Json.array;
import static dev.migscope.json.Json.str;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code --json} form of a report (docs/CONFORMANCE.md documents it). Its keys and their order
 * are stable, so a driver's CI can parse it: schema {@value #SCHEMA}. Written by hand to keep the
 * package free of dependencies: one escaping rule, in {@link #str}.
 */
public final class ReportJson {

    public static final String SCHEMA = "migscope-conform/1";

    private ReportJson() {
    }

    public static String toJson(ConformanceReport r) {
        List<String> members = new ArrayList<>();
        members.add(member("schema", str(SCHEMA)));
        members.add(member("device", object(
                member("id", str(r.deviceId())),
                member("driver", str(r.driver())),
                member("features", r.features() == null ? "null" : str(r.features().cliNames())),
                member("migrationFlags", r.features() == null ? "null" : Integer.toString(r.features().flags())))));
        members.add(member("peer", r.peerId() == null ? "null" : object(member("id", str(r.peerId())))));
        members.add(member("repeats", Integer.toString(r.repeats())));
        members.add(member("summary", object(
                member("passed", Long.toString(r.count(Status.PASS))),
                member("failed", Long.toString(r.count(Status.FAIL))),
                member("warnings", Long.toString(r.count(Status.WARN))),
                member("notApplicable", Integer.toString(r.notApplicable().size())),
                member("ok", Boolean.toString(!r.hasFailures())))));
        members.add(member("results", array(r.results().stream().map(c -> object(
                member("id", str(c.id())),
                member("group", str(c.group())),
                member("title", str(c.title())),
                member("status", str(c.status().jsonName())),
                member("rule", object(
                        member("id", str(c.rule().id())),
                        member("source", str(c.rule().source())),
                        member("text", str(c.rule().text())))),
                member("evidence", str(c.evidence())))).toList())));
        members.add(member("notApplicable", array(r.notApplicable().stream().map(n -> object(
                member("id", str(n.id())),
                member("reason", str(n.reason())))).toList())));
        members.add(member("latency", array(r.latency().stream().map(l -> object(
                member("arc", str(l.arc().id())),
                member("from", str(l.arc().from().name())),
                member("to", str(l.arc().to().name())),
                member("samples", Integer.toString(l.samples())),
                member("medianNanos", Long.toString(l.medianNanos())),
                member("p99Nanos", Long.toString(l.p99Nanos())))).toList())));
        members.add(member("restore", array(r.restores().stream().map(x -> object(
                member("id", str(x.deviceId())),
                member("restored", Boolean.toString(x.restored())),
                member("state", x.state() == null ? "null" : str(x.state().name())),
                member("how", str(x.how())))).toList())));
        return "{" + String.join(",", members) + "}";
    }

    private static String member(String key, String rawValue) {
        return str(key) + ":" + rawValue;
    }

    private static String object(String... members) {
        return "{" + String.join(",", members) + "}";
    }

}
