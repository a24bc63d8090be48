package dev.migscope.conform;

import dev.migscope.device.MigrationStream;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import java.util.Optional;

/**
 * Every pair of states more than one arc apart, with one SET: the kernel walks the path. vfio.h:
 * "The remaining possible transitions are interpreted as combinations of the above FSM arcs. [...]
 * Refer to vfio_mig_get_next_state() for the result of the algorithm" ({@link Rule#COMBINATION}).
 */
final class PathChecker implements Checker {

    @Override
    public void check(CheckContext c) {
        for (MigState from : c.states()) {
            for (MigState to : c.states()) {
                MigPath p = MigrationFsm.path(c.features(), from, to);
                if (!p.isRefused() && p.arcs().size() > 1) {
                    path(c, p);
                }
            }
        }
    }

    private static void path(CheckContext c, MigPath p) {
        DeviceUnderTest dev = c.dev;
        String id = "path." + p.from() + "-" + p.to();
        String set = CheckContext.SET + p.to() + " from " + p.from();
        String title = set + " reaches " + p.to() + " (kernel walks " + p.format() + ")";
        if (p.from() == MigState.RESUMING && !c.hasImage()) {
            c.notApplicable(id, CheckContext.NO_IMAGE);
            return;
        }
        Optional<MigrationStream> before = Optional.empty();
        Optional<MigrationStream> after = Optional.empty();
        try {
            before = dev.reach(p.from());
            if (p.from() == MigState.RESUMING) {
                c.writeImage(dev, before.orElseThrow(), c.imageBytes());
            }
            try {
                after = dev.session.setState(p.to());
            } catch (VfioException e) {
                c.add(id, "paths", title, Rule.COMBINATION, Status.FAIL,
                        set + " failed: " + e.error().describe() + "; GET: " + dev.getText());
                return;
            }
            MigState got = dev.get();
            c.add(id, "paths", title, Rule.COMBINATION, got == p.to() ? Status.PASS : Status.FAIL,
                    set + ": ok" + after.map(f -> ", data_fd " + f.fd()).orElse("") + "; GET: " + got);
        } catch (VfioException e) {
            c.add(id, "paths", title, Rule.COMBINATION, Status.FAIL,
                    "could not put the device in " + p.from() + ": " + e.error().describe());
        } finally {
            DeviceUnderTest.close(after);
            DeviceUnderTest.close(before);
        }
    }
}
