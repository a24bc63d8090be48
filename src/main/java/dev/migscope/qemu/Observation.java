package dev.migscope.qemu;

import dev.migscope.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.Visible;

/**
 * One thing seen on an attached QEMU, for a front end's log or the CLI's line: a QMP event, a
 * status change a poll found, a warning, QEMU going away.
 *
 * @param timeMicros QEMU's timestamp for a QMP event; the host's clock at the poll otherwise
 * @param qemu       which QEMU (its name, else its socket)
 * @param kind       what sort
 * @param text       the human line after time and QEMU; its controls made visible, since it quotes
 *                   QEMU (event data, desc, names)
 * @param json       the same as JSON members (without time, qemu and kind), as QEMU sent them
 */
public record Observation(long timeMicros, String qemu, Kind kind, String text, ObjectNode json) {

    public Observation {
        qemu = Visible.of(qemu);
        text = Visible.of(text);
    }

    public enum Kind {
        /** Attached: name, version, role, devices. */
        ATTACHED,
        /** A QMP event as QEMU sent it. */
        EVENT,
        /** A VFIO_MIGRATION event: a device reached a state (with the kernel's walk). */
        DEVICE_STATE,
        /** The migration's status changed (from a MIGRATION event or a query-migrate poll). */
        STATUS,
        /** Something the user should know: an old QEMU, migration-events off, an unknown device. */
        WARNING,
        /** QEMU went away (exited, killed, closed the socket, sent bad JSON). */
        GONE,
        /** migscope, armed by the user, sent a command that changes the VM (migrate, migrate_cancel, ...). */
        COMMAND,
        /** A tap on the migration ({@code attach --tap}): a device's pass as it went by, the tap's end. */
        TAP
    }

    /** One thing a tap on the attached QEMUs' migration saw, now; {@code qemu} reads {@code tap}. */
    public static Observation tap(String text, ObjectNode json) {
        return new Observation(Micros.now(), "tap", Kind.TAP, text, json);
    }

    /** {@code 16:02:11.123456  srcvm  text}. */
    public String format() {
        return Micros.format(timeMicros) + "  " + qemu + "  " + text;
    }

    /** One JSON object: time_us, qemu, kind, then the members. */
    public String toJson() {
        ObjectNode o = Json.object().put("time_us", timeMicros).put("qemu", qemu)
                .put("kind", kind.name().toLowerCase(java.util.Locale.ROOT));
        o.setAll(json);
        return o.toString();
    }
}
