package dev.migscope.conform;

import dev.migscope.device.Errno;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.SimulationControls;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeature;
import dev.migscope.fsm.MigState;
import java.util.Optional;

/**
 * VFIO_DEVICE_RESET from every state, and ERROR. vfio.h: "VFIO_DEVICE_RESET must be used to return
 * the device_state back to RUNNING" ({@link Rule#RESET_RUNNING}); in ERROR "the device was unable to
 * execute the requested arc [...] To recover from ERROR VFIO_DEVICE_RESET must be used" ({@link
 * Rule#ERROR_ONLY_RESET}).
 */
final class ResetChecker implements Checker {

    private static final String GROUP = "reset";

    @Override
    public void check(CheckContext c) {
        for (MigState from : c.states()) {
            String id = "reset." + from;
            String title = "VFIO_DEVICE_RESET from " + from + " returns RUNNING";
            Optional<MigrationStream> fd = Optional.empty();
            try {
                fd = c.dev.reach(from);
                reset(c, id, title, from);
            } catch (VfioException e) {
                c.add(id, GROUP, title, Rule.RESET_RUNNING, Status.FAIL,
                        "could not put the device in " + from + ": " + e.error().describe());
            } finally {
                DeviceUnderTest.close(fd);
            }
        }
        error(c);
    }

    private static void reset(CheckContext c, String id, String title, MigState from) {
        DeviceUnderTest dev = c.dev;
        try {
            dev.session.reset();
        } catch (VfioException e) {
            c.add(id, GROUP, title, Rule.RESET_RUNNING, Status.FAIL,
                    "VFIO_DEVICE_RESET in " + from + " failed: " + e.error().describe() + "; GET: " + dev.getText());
            return;
        }
        String got = dev.getText();
        c.add(id, GROUP, title, Rule.RESET_RUNNING, got.equals("RUNNING") ? Status.PASS : Status.FAIL,
                "VFIO_DEVICE_RESET in " + from + ": ok; GET: " + got);
    }

    /**
     * ERROR cannot be requested, so it is checked where it can be produced: on a simulated device by
     * an injected fault, on a real one only if a step of this run left the device there.
     */
    private static void error(CheckContext c) {
        DeviceUnderTest dev = c.dev;
        String title = "in ERROR a SET is refused: only VFIO_DEVICE_RESET leaves it";
        Optional<SimulationControls> sim = dev.session.simulation();
        if (sim.isEmpty()) {
            String seen = dev.errorObservation();
            if (seen == null) {
                c.notApplicable("error.set-refused", "no step of the run left the device in ERROR, and a real "
                        + "device cannot be put there on purpose");
                c.notApplicable("reset.ERROR", "the device was never in ERROR");
            } else {
                c.add("error.set-refused", GROUP, title, Rule.ERROR_ONLY_RESET,
                        dev.errorSetRefused() ? Status.PASS : Status.FAIL, seen);
            }
            return;
        }
        Arc arc = new Arc(MigState.RUNNING, c.features().has(MigFeature.P2P) ? MigState.RUNNING_P2P : MigState.STOP);
        String set = CheckContext.SET + arc.to() + " with a fault injected on " + arc.id();
        try {
            dev.normalize();
            sim.get().injectFault(arc, Errno.EIO, true);
            String setEv;
            try {
                DeviceUnderTest.close(dev.session.setState(arc.to()));
                setEv = set + " succeeded";
            } catch (VfioException e) {
                setEv = set + " (simulation): " + DeviceUnderTest.errno(e);
            }
            MigState got = dev.get();
            if (got != MigState.ERROR) {
                sim.get().clearFaults();
                c.add("error.set-refused", GROUP, title, Rule.ERROR_ONLY_RESET, Status.WARN,
                        "not checked: " + setEv + "; GET: " + got + ", not ERROR");
                return;
            }
            try {
                DeviceUnderTest.close(dev.session.setState(MigState.RUNNING));
                c.add("error.set-refused", GROUP, title, Rule.ERROR_ONLY_RESET, Status.FAIL,
                        setEv + "; GET: ERROR; SET RUNNING from ERROR succeeded; GET: " + dev.getText());
            } catch (VfioException e) {
                String ev = setEv + "; GET: ERROR; SET RUNNING: " + DeviceUnderTest.errno(e) + "; GET: "
                        + dev.getText();
                c.add("error.set-refused", GROUP, title, Rule.ERROR_ONLY_RESET,
                        DeviceUnderTest.is(e, Errno.EINVAL) && dev.getText().equals("ERROR") ? Status.PASS
                                : Status.FAIL, ev);
            }
            if (dev.getText().equals("ERROR")) {
                reset(c, "reset.ERROR", "VFIO_DEVICE_RESET from ERROR returns RUNNING", MigState.ERROR);
            }
        } catch (VfioException e) {
            sim.get().clearFaults();
            c.add("error.set-refused", GROUP, title, Rule.ERROR_ONLY_RESET, Status.FAIL, e.error().describe());
        }
    }
}
