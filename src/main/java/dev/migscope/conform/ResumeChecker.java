package dev.migscope.conform;

import dev.migscope.device.MigrationStream;
import dev.migscope.device.SimulationControls;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import java.util.Optional;

/**
 * Loading the saved STOP_COPY stream: whole into the peer ({@link Rule#RESUME_LOADS}: "The data
 * stream fed into the data_fd should be taken from the data transfer output of a single FD during
 * saving from a compatible device"), and cut in half into the peer or the device itself ({@link
 * Rule#RESUME_VALIDATES}: "If the user provided data is found to be incomplete [...] the migration
 * driver must fail the SET_STATE ioctl").
 */
final class ResumeChecker implements Checker {

    private static final String GROUP = "resume";

    @Override
    public void check(CheckContext c) {
        DeviceUnderTest peer = c.peer;
        if (peer == null) {
            c.notApplicable("resume.round-trip",
                    "no --peer: the full stream is resumed into the device itself by arc.RESUMING-STOP");
        }
        if (!c.hasImage()) {
            if (peer != null) {
                c.notApplicable("resume.round-trip", CheckContext.NO_IMAGE);
            }
            c.notApplicable("resume.truncated", CheckContext.NO_IMAGE);
            return;
        }
        if (peer != null) {
            roundTrip(c, peer);
        }
        truncated(c, peer == null ? c.dev : peer);
    }

    private static void roundTrip(CheckContext c, DeviceUnderTest peer) {
        String title = "the stream saved from " + c.deviceId + " resumes into " + peer.id
                + "; RESUMING -> STOP accepts it";
        long bytes = c.imageBytes();
        Optional<MigrationStream> fd = Optional.empty();
        try {
            MigFeatures peerFeatures = peer.session.migrationFeatures();
            if (!peerFeatures.equals(c.features())) {
                c.add("resume.round-trip", GROUP, title, Rule.RESUME_LOADS, Status.WARN, "not checked: the peer has "
                        + peerFeatures + ", the device " + c.features() + ": they are not compatible devices");
                return;
            }
            fd = peer.reach(MigState.RESUMING);
            if (fd.isEmpty()) {
                c.add("resume.round-trip", GROUP, title, Rule.DATA_FD_ARCS, Status.FAIL,
                        "SET RESUMING on the peer returned no data_fd");
                return;
            }
            c.writeImage(peer, fd.get(), bytes);
            try {
                peer.session.setState(MigState.STOP);
            } catch (VfioException e) {
                c.add("resume.round-trip", GROUP, title, Rule.RESUME_LOADS, Status.FAIL, "wrote " + bytes
                        + " bytes; SET STOP failed: " + e.error().describe() + "; GET: " + peer.getText());
                return;
            }
            MigState got = peer.get();
            String digest = digests(c.dev, peer);
            c.add("resume.round-trip", GROUP, title, Rule.RESUME_LOADS,
                    got == MigState.STOP ? Status.PASS : Status.FAIL,
                    "wrote " + bytes + " bytes to data_fd " + fd.get().fd() + "; SET STOP: ok; GET: " + got + digest);
        } catch (VfioException e) {
            c.add("resume.round-trip", GROUP, title, Rule.RESUME_LOADS, Status.FAIL, e.error().describe()
                    + "; GET: " + peer.getText());
        } finally {
            DeviceUnderTest.close(fd);
        }
    }

    /** On simulated devices, whether the peer now holds the device's state byte for byte. */
    private static String digests(DeviceUnderTest dev, DeviceUnderTest peer) {
        Optional<SimulationControls> a = dev.session.simulation();
        Optional<SimulationControls> b = peer.session.simulation();
        if (a.isEmpty() || b.isEmpty()) {
            return "";
        }
        return a.get().stateDigest() == b.get().stateDigest() ? "; state digests equal (simulation)"
                : "; state digests differ (simulation)";
    }

    private static void truncated(CheckContext c, DeviceUnderTest target) {
        long half = c.imageBytes() / 2;
        String title = "a truncated stream (" + half + " of " + c.imageBytes()
                + " bytes) is refused by RESUMING -> STOP";
        Optional<MigrationStream> fd = Optional.empty();
        try {
            fd = target.reach(MigState.RESUMING);
            if (fd.isEmpty()) {
                c.add("resume.truncated", GROUP, title, Rule.DATA_FD_ARCS, Status.FAIL,
                        "SET RESUMING on " + target.id + " returned no data_fd");
                return;
            }
            String wrote;
            try {
                c.writeImage(target, fd.get(), half);
                wrote = "wrote " + half + " bytes to " + target.id;
            } catch (VfioException e) {
                c.add("resume.truncated", GROUP, title, Rule.RESUME_VALIDATES, Status.PASS, "writing the first "
                        + half + " bytes was refused already: " + DeviceUnderTest.errno(e) + "; GET: "
                        + target.getText());
                return;
            }
            try {
                target.session.setState(MigState.STOP);
            } catch (VfioException e) {
                c.add("resume.truncated", GROUP, title, Rule.RESUME_VALIDATES, Status.PASS,
                        wrote + "; SET STOP: " + DeviceUnderTest.errno(e) + "; GET: " + target.getText());
                return;
            }
            c.add("resume.truncated", GROUP, title, Rule.RESUME_VALIDATES, Status.FAIL,
                    wrote + "; SET STOP accepted the truncated stream; GET: " + target.getText());
        } catch (VfioException e) {
            c.add("resume.truncated", GROUP, title, Rule.RESUME_VALIDATES, Status.FAIL,
                    "could not put " + target.id + " in RESUMING: " + e.error().describe());
        } finally {
            DeviceUnderTest.close(fd);
        }
    }
}
