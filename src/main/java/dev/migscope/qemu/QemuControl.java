package dev.migscope.qemu;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.Visible;
import dev.migscope.json.Json;
import dev.migscope.qemu.Observation.Kind;
import java.util.List;
import java.util.Optional;

/**
 * What migscope may change on an attached QEMU, and only once the user armed it: start a
 * migration ({@code migrate}), cancel it ({@code migrate_cancel}), set {@code downtime-limit}
 * ({@code migrate-set-parameters}). Not armed (as every QEMU starts), each is refused before
 * anything is sent, so attaching stays read-only. A command QEMU refuses is its error sentence.
 * Each call waits for QEMU's reply: call it off the FX thread.
 */
public final class QemuControl {

    /** The largest downtime-limit QEMU takes (migration/options.c, MAX_MIGRATE_DOWNTIME: 2000 s). */
    public static final long MAX_DOWNTIME_LIMIT_MS = 2_000_000;

    /**
     * The migration URI schemes migscope sends (docs/QEMU.md says why these): transports to a
     * destination QEMU, and {@code file:}. Not {@code exec:}, which QEMU runs in /bin/sh as its
     * user, nor {@code fd:}, which names a descriptor some other QMP client passed.
     */
    public static final List<String> URI_SCHEMES = List.of("unix", "tcp", "rdma", "file", "vsock");

    private final AttachedQemu qemu;
    private volatile boolean armed;

    public QemuControl(AttachedQemu qemu) {
        this.qemu = qemu;
    }

    public AttachedQemu qemu() {
        return qemu;
    }

    public boolean isArmed() {
        return armed;
    }

    public void setArmed(boolean armed) {
        this.armed = armed;
    }

    /**
     * {@code migrate uri=URI}: QEMU starts migrating its VM to the destination listening there.
     * Refused on the incoming side.
     */
    public Observation migrate(String uri) throws QmpException {
        refuseUnlessArmed("start a migration");
        Optional<String> bad = qemu.link().uriRefusal(uri);
        if (bad.isPresent()) {
            throw refused(bad.get());
        }
        refuseIfIncoming("start");
        String command = qemu.link().migrate(uri);
        return sent(command + " uri=" + uri, Json.object().put("command", command).put("uri", uri));
    }

    /**
     * Why migscope would not send {@code uri} to QEMU, or empty when it would: a URI of one of the
     * {@link #URI_SCHEMES}. Front ends ask before a far side is asked.
     */
    public static Optional<String> uriRefusal(String uri) {
        if (uri == null || uri.isBlank()) {
            return Optional.of("no destination URI: give the one the destination QEMU listens on "
                    + "(its -incoming, e.g. unix:/tmp/mig.sock or tcp:HOST:PORT)");
        }
        int colon = uri.indexOf(':');
        String scheme = colon < 0 ? "" : uri.substring(0, colon);
        if (URI_SCHEMES.contains(scheme)) {
            return Optional.empty();
        }
        return Optional.of("migration URI " + Visible.of(uri) + " refused: migscope sends only "
                + String.join(", ", URI_SCHEMES.stream().map(x -> x + ":").toList()) + " URIs"
                + (scheme.equals("exec") ? " (QEMU runs an exec: URI as a shell command, as its own user)" : ""));
    }

    /**
     * {@code migrate_cancel}, on the source; refused when no migration is running (QEMU would
     * ignore it silently).
     */
    public Observation cancel() throws QmpException {
        refuseUnlessArmed("cancel the migration");
        refuseIfIncoming("cancel");
        String status = qemu.link().migrationStatus();
        if (!MigrationStatus.parse(status).map(MigrationStatus::isRunning).orElse(true)) {
            throw refused("no migration is running (status " + status + "): nothing to cancel");
        }
        String command = qemu.link().cancel();
        return sent(command + " (the migration was " + status + ")",
                Json.object().put("command", command).put("status", status));
    }

    /**
     * {@code migrate-set-parameters downtime-limit=MS}, then reads it back: the value QEMU now holds,
     * which the downtime chart draws as its limit.
     */
    public Observation setDowntimeLimit(long ms) throws QmpException {
        refuseUnlessArmed("set downtime-limit");
        if (ms < 0 || ms > MAX_DOWNTIME_LIMIT_MS) {
            throw refused("downtime-limit " + ms + " ms is out of range: QEMU takes 0 to " + MAX_DOWNTIME_LIMIT_MS
                    + " ms");
        }
        QemuLink.Sent sent = qemu.link().setDowntimeLimit(ms);
        qemu.readDowntimeLimit();
        ObjectNode j = Json.object().put("command", sent.command()).put("downtime_limit_ms", ms);
        if (sent.nowMs() == null) {
            j.putNull("now_ms");
        } else {
            j.put("now_ms", sent.nowMs());
        }
        return sent(sent.command() + " downtime-limit=" + ms + " (QEMU now holds "
                + (sent.nowMs() == null ? "?" : sent.nowMs()) + " ms)", j);
    }

    private void refuseUnlessArmed(String what) throws QmpException {
        if (!armed) {
            throw refused("not armed: migscope does not " + what + " on a QEMU it only follows; arm it first "
                    + "(the window's Arm, Ctrl+A, on the QEMU's node)");
        }
    }

    /** A QEMU started with -incoming waits for a migration: the source starts and cancels it. */
    private void refuseIfIncoming(String what) throws QmpException {
        String runState = qemu.link().runState();
        if (runState.equals("inmigrate")) {
            throw refused("it is the incoming side of a migration (run state inmigrate, started with -incoming): "
                    + what + " the migration on the source QEMU");
        }
    }

    private QmpException refused(String why) {
        return new QmpException(new QmpError(QmpError.Kind.REFUSED, qemu.where(), why));
    }

    private Observation sent(String text, ObjectNode json) {
        return new Observation(Micros.now(), qemu.name(), Kind.COMMAND, "armed: sent " + text, json);
    }
}
