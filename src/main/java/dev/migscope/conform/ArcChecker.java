package dev.migscope.conform;

import dev.migscope.device.MigrationStream;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import java.util.Optional;

/**
 * Every direct arc of the feature set, SET {@code repeats} times from its start state. vfio.h:
 * "The kernel migration driver must fully transition the device to the new state value before
 * the operation returns to the user" ({@link Rule#ARC_COMPLETES}). Each SET's data_fd is judged by
 * {@link DataFdChecker}, and its time goes to {@link LatencySamples}.
 */
final class ArcChecker implements Checker {

    @Override
    public void check(CheckContext c) {
        for (Arc arc : MigrationFsm.directArcs(c.features())) {
            arc(c, arc);
        }
    }

    private static void arc(CheckContext c, Arc arc) {
        DeviceUnderTest dev = c.dev;
        String pair = arc.from() + "-" + arc.to();
        String arcId = "arc." + pair;
        String set = CheckContext.SET + arc.to() + " from " + arc.from();
        String arcTitle = set + " is one arc; a GET returns " + arc.to();
        if (arc.from() == MigState.RESUMING && !c.hasImage()) {
            c.notApplicable(arcId, CheckContext.NO_IMAGE);
            c.notApplicable("data-fd." + pair, CheckContext.NO_IMAGE);
            return;
        }
        DataFdChecker dataFd = new DataFdChecker(arc);
        LatencySamples times = new LatencySamples(c.options.repeats());
        String arcEvidence = null;
        Status arcStatus = Status.PASS;
        for (int i = 0; i < c.options.repeats(); i++) {
            Optional<MigrationStream> before = Optional.empty();
            Optional<MigrationStream> after = Optional.empty();
            try {
                before = dev.reach(arc.from());
                if (arc.from() == MigState.RESUMING) {
                    c.writeImage(dev, before.orElseThrow(), c.imageBytes());
                }
                long t0 = System.nanoTime();
                try {
                    after = dev.session.setState(arc.to());
                } catch (VfioException e) {
                    arcStatus = Status.FAIL;
                    arcEvidence = set + " failed: " + e.error().describe() + "; GET: " + dev.getText() + repeat(i);
                    break;
                }
                long t1 = System.nanoTime();
                MigState got = dev.get();
                if (got != arc.to()) {
                    arcStatus = Status.FAIL;
                    arcEvidence = set + " succeeded, but GET returns " + got + repeat(i);
                    break;
                }
                times.add(t1 - t0);
                if (i == 0) {
                    arcEvidence = set + ": ok" + after.map(f -> ", data_fd " + f.fd()).orElse(", no data_fd")
                            + "; GET: " + got;
                }
                if (!dataFd.observe(c, i, before, after)) {
                    break;
                }
            } catch (VfioException e) {
                arcStatus = Status.FAIL;
                arcEvidence = "could not put the device in " + arc.from() + ": " + e.error().describe() + repeat(i);
                break;
            } finally {
                DeviceUnderTest.close(after);
                DeviceUnderTest.close(before);
            }
        }
        if (arcStatus == Status.PASS && times.count() > 1) {
            arcEvidence += "; " + times.count() + " repeats";
        }
        c.add(arcId, "arcs", arcTitle, Rule.ARC_COMPLETES, arcStatus, arcEvidence);
        dataFd.report(c, arcId);
        times.summary(arc).ifPresent(c.latency::add);
    }

    /** Evidence of a repeat after the first names it: the first SET of an arc may pass and a later one fail. */
    static String repeat(int i) {
        return i == 0 ? "" : " (repeat " + (i + 1) + ")";
    }
}
