package dev.migscope.qemu;

import java.util.List;

/**
 * What migscope accepts of one QEMU beyond a message's bounds ({@link QmpClient}): the run states
 * QAPI names, and how much its events make migscope keep. Past a bound migscope stops following
 * that QEMU with a line naming the bound.
 */
final class QemuBounds {

    /** qapi/run-state.json's RunState: a run state QEMU reports that is not one of these is an error. */
    static final List<String> RUN_STATES = List.of("debug", "inmigrate", "internal-error", "io-error", "paused",
            "postmigrate", "prelaunch", "finish-migrate", "restore-vm", "running", "save-vm", "shutdown", "suspended",
            "watchdog", "guest-panicked", "colo");
    /** Migrations followed on one QEMU. */
    static final int MAX_RUNS = 10_000;
    /** Status changes of one migration (and capabilities listed). */
    static final int MAX_STATUSES = 10_000;
    /** States of one device. */
    static final int MAX_STATES = 100_000;
    /** Warnings about one QEMU. */
    static final int MAX_WARNINGS = 1_000;

    private QemuBounds() {
    }

    /** {@code query-status}'s run state, one of {@link #RUN_STATES}. */
    static String runState(QmpClient qmp) throws QmpException {
        return qmp.query("query-status", null).oneOf("status", RUN_STATES);
    }

    /**
     * True while {@code size} is under {@code max}; at it, the connection is dropped with a line
     * naming the bound (its close then ends the following, as QEMU going away does).
     */
    static boolean within(QemuLink link, int size, int max, String what) {
        if (size < max) {
            return true;
        }
        link.drop(new QmpError(QmpError.Kind.LIMIT, link.where(), "QEMU sent more " + what + " than migscope "
                + "keeps (" + max + "): stopped following it"));
        return false;
    }
}
