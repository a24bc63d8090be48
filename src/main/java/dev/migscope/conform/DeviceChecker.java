package dev.migscope.conform;

import dev.migscope.device.Errno;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;

/**
 * What the run needs before it can check anything: GET MIGRATION with STOP_COPY ({@link
 * Rule#MIGRATION_FEATURE}: "at least VFIO_MIGRATION_STOP_COPY must be set"), RUNNING right after
 * open ({@link Rule#DEFAULT_RUNNING}), and a device that can be brought to RUNNING ({@link
 * Rule#RESET_RUNNING}).
 */
final class DeviceChecker {

    private DeviceChecker() {
    }

    /** @return false when the other checkers cannot run: no valid feature set, or no way back to RUNNING */
    static boolean ready(CheckContext c) {
        // GET MIGRATION changes nothing, so the state is still the one open left.
        if (!migrationFeatures(c)) {
            return false;
        }
        stateAfterOpen(c);
        try {
            c.dev.normalize();
        } catch (VfioException e) {
            c.add("device.to-running", "device", "the device can be brought to RUNNING to start", Rule.RESET_RUNNING,
                    Status.FAIL, e.error().describe());
            return false;
        }
        return true;
    }

    private static boolean migrationFeatures(CheckContext c) {
        String title = "GET MIGRATION works and reports STOP_COPY, the mandatory feature";
        MigFeatures features;
        try {
            features = c.dev.session.migrationFeatures();
        } catch (VfioException e) {
            c.add("device.migration-features", "device", title, Rule.MIGRATION_FEATURE, Status.FAIL,
                    "GET MIGRATION failed: " + DeviceUnderTest.errno(e)
                            + (DeviceUnderTest.is(e, Errno.ENOTTY) ? " (the device has no migration support)" : ""));
            return false;
        }
        // Reported even when STOP_COPY is missing: the report shows what the device claimed.
        c.setFeatures(features);
        String flags = "flags 0x" + Integer.toHexString(features.flags()) + " (" + features + ")";
        if (!features.isValid()) {
            c.add("device.migration-features", "device", title, Rule.MIGRATION_FEATURE, Status.FAIL,
                    flags + ": VFIO_MIGRATION_STOP_COPY is missing");
            return false;
        }
        c.add("device.migration-features", "device", title, Rule.MIGRATION_FEATURE, Status.PASS, flags);
        return true;
    }

    private static void stateAfterOpen(CheckContext c) {
        String title = "GET MIG_DEVICE_STATE right after open is RUNNING";
        try {
            MigState s = c.dev.get();
            c.add("device.state-after-open", "device", title, Rule.DEFAULT_RUNNING,
                    s == MigState.RUNNING ? Status.PASS : Status.WARN,
                    s == MigState.RUNNING ? "GET: RUNNING"
                            : "GET: " + s + " (a previous user left it there: this driver keeps the state across "
                                    + "close and open; the run resets it)");
        } catch (VfioException e) {
            c.add("device.state-after-open", "device", title, Rule.DEFAULT_RUNNING, Status.FAIL,
                    "GET MIG_DEVICE_STATE failed: " + DeviceUnderTest.errno(e));
        }
    }
}
