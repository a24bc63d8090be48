package dev.migscope.qemu;

import dev.migscope.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.telemetry.Bytes;

/**
 * One {@code query-migrate} reply (qapi/migration.json MigrationInfo): what migscope reads of it.
 * Times are QEMU's milliseconds; a member QEMU left out is null.
 *
 * @param status           the status as QEMU spells it; "none" when absent (no migration yet)
 * @param setupTimeMs      {@code setup-time}
 * @param totalTimeMs      {@code total-time}
 * @param downtimeMs       {@code downtime} (present once the migration completed)
 * @param expectedDowntimeMs {@code expected-downtime} (while active)
 * @param ramTransferred   {@code ram.transferred}, bytes
 * @param ramTotal         {@code ram.total}, bytes of guest RAM
 * @param dirtyPagesRate   {@code ram.dirty-pages-rate}, guest pages per second
 * @param vfioTransferred  {@code vfio.transferred}: bytes of every VFIO device of this QEMU together
 * @param errorDesc        {@code error-desc}, QEMU's sentence when it failed
 */
public record MigrationInfo(
        String status,
        Long setupTimeMs,
        Long totalTimeMs,
        Long downtimeMs,
        Long expectedDowntimeMs,
        Long ramTransferred,
        Long ramTotal,
        Long dirtyPagesRate,
        Long vfioTransferred,
        String errorDesc) {

    static final MigrationInfo NONE = new MigrationInfo("none", null, null, null, null, null, null, null, null, null);

    /** Reads a reply strictly: a member of another type than QAPI's is an error, never a null. */
    static MigrationInfo of(QmpReply r) throws QmpException {
        QmpReply ram = r.object("ram");
        String status = r.optionalText("status");
        return new MigrationInfo(status == null ? "none" : status, r.optionalNumber("setup-time"),
                r.optionalNumber("total-time"), r.optionalNumber("downtime"), r.optionalNumber("expected-downtime"),
                ram.optionalNumber("transferred"), ram.optionalNumber("total"), ram.optionalNumber("dirty-pages-rate"),
                r.object("vfio").optionalNumber("transferred"), r.optionalText("error-desc"));
    }

    /** The parsed status; a status this migscope does not know (a newer QEMU's) counts as running. */
    public MigrationStatus parsedStatus() {
        return MigrationStatus.parse(status).orElse(MigrationStatus.ACTIVE);
    }

    /** {@code migration completed, total 150 ms, setup 8 ms, downtime 2 ms, RAM 716.1 KiB[: error-desc]}. */
    public String summary() {
        StringBuilder text = new StringBuilder("migration " + status);
        figure(text, "total", totalTimeMs);
        figure(text, "setup", setupTimeMs);
        figure(text, "downtime", downtimeMs);
        if (ramTransferred != null) {
            text.append(", RAM ").append(Bytes.format(ramTransferred));
        }
        if (vfioTransferred != null) {
            text.append(", VFIO ").append(Bytes.format(vfioTransferred));
        }
        if (errorDesc != null) {
            text.append(": ").append(errorDesc).append(Blockers.explain(errorDesc));
        }
        return text.toString();
    }

    private static void figure(StringBuilder text, String label, Long ms) {
        if (ms != null) {
            text.append(", ").append(label).append(' ').append(ms).append(" ms");
        }
    }

    /** The summary's figures; a member QEMU did not give is absent. */
    ObjectNode summaryJson() {
        ObjectNode j = Json.object().put("status", status);
        putIf(j, "total_time_ms", totalTimeMs);
        putIf(j, "setup_time_ms", setupTimeMs);
        putIf(j, "downtime_ms", downtimeMs);
        putIf(j, "ram_bytes", ramTransferred);
        putIf(j, "vfio_bytes", vfioTransferred);
        if (errorDesc != null) {
            j.put("error_desc", errorDesc);
        }
        return j;
    }

    private static void putIf(ObjectNode j, String member, Long v) {
        if (v != null) {
            j.put(member, v);
        }
    }
}
