package dev.migscope.conform;

import dev.migscope.device.Errno;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeature;
import dev.migscope.fsm.MigState;
import java.util.List;
import java.util.Optional;

/**
 * VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 and REINIT (Linux 7.1). The opt-in "enables the v2
 * pre_copy_info behaviour, where the vfio_precopy_info.flags is a valid output field" and is
 * refused without PRE_COPY ({@link Rule#PRECOPY_INFO_V2}); "VFIO_PRECOPY_INFO_REINIT can be reported
 * only after userspace opts in" ({@link Rule#REINIT_AFTER_OPT_IN}); after it the flags are output
 * only, zeroed by the core before the driver fills them ({@link Rule#PRECOPY_FLAGS_OUTPUT}), and
 * initial_bytes may grow again only with REINIT ({@link Rule#INITIAL_BYTES}: its 7.x
 * sentence, which precopy.initial-bytes cannot see before the opt-in). The opt-in
 * lasts until the device is closed, so the check without it comes first. On a kernel without the
 * feature (PROBE: ENOTTY) none applies.
 */
final class PrecopyInfoV2Checker implements Checker {

    private static final String GROUP = "precopy-v2";
    private static final String OPT_IN = "precopy-v2.opt-in";
    private static final String NO_REINIT_BEFORE = "precopy-v2.no-reinit-before";
    private static final String FLAGS_OUTPUT = "precopy-v2.flags-output";
    private static final String INITIAL_BYTES = "precopy-v2.initial-bytes";
    private static final List<String> STREAM_CHECKS = List.of(NO_REINIT_BEFORE, FLAGS_OUTPUT, INITIAL_BYTES);
    /** A reserved flag bit passed in after the opt-in: a driver that echoes the flags hands it back. */
    private static final int RESERVED_BIT = 1 << 31;

    @Override
    public void check(CheckContext c) {
        DeviceUnderTest dev = c.dev;
        boolean precopy = c.features().has(MigFeature.PRE_COPY);
        VfioException probe = null;
        try {
            dev.session.probePrecopyInfoV2();
        } catch (VfioException e) {
            if (DeviceUnderTest.is(e, Errno.ENOTTY)) {
                for (String id : List.of(OPT_IN, NO_REINIT_BEFORE, FLAGS_OUTPUT, INITIAL_BYTES)) {
                    c.notApplicable(id, "the kernel predates PRECOPY_INFOv2 (Linux 7.1): PROBE failed with ENOTTY");
                }
                return;
            }
            probe = e;
        }
        if (precopy && probe == null) {
            stream(c, NO_REINIT_BEFORE, 0);
        }
        VfioException set = null;
        try {
            dev.session.enablePrecopyInfoV2();
        } catch (VfioException e) {
            set = e;
        }
        boolean accepted = probe == null && set == null;
        String title = "the PRECOPY_INFOv2 opt-in (PROBE, SET) is accepted exactly when the device has PRE_COPY";
        String evidence = "PROBE: " + (probe == null ? "ok" : DeviceUnderTest.errno(probe)) + "; SET: "
                + (set == null ? "ok" : DeviceUnderTest.errno(set)) + "; the device "
                + (precopy ? "has" : "lacks") + " PRE_COPY";
        boolean einvalBoth = probe != null && set != null && DeviceUnderTest.is(probe, Errno.EINVAL)
                && DeviceUnderTest.is(set, Errno.EINVAL);
        c.add(OPT_IN, GROUP, title, Rule.PRECOPY_INFO_V2, (precopy ? accepted : einvalBoth) ? Status.PASS : Status.FAIL,
                evidence);
        if (!precopy || !accepted) {
            for (String id : STREAM_CHECKS) {
                if (!precopy || !id.equals(NO_REINIT_BEFORE)) {
                    c.notApplicable(id, precopy ? "the opt-in failed (" + OPT_IN + ")" : "the device has no PRE_COPY");
                }
            }
            return;
        }
        stream(c, FLAGS_OUTPUT, RESERVED_BIT);
    }

    /**
     * Reads a fresh PRE_COPY stream to its temporary end with PRECOPY_INFO after every read: before
     * the opt-in ({@code flagsIn} 0) it judges {@link #NO_REINIT_BEFORE}, after it ({@code flagsIn}
     * a reserved bit) {@link #FLAGS_OUTPUT} and {@link #INITIAL_BYTES}.
     */
    private static void stream(CheckContext c, String check, int flagsIn) {
        boolean before = check.equals(NO_REINIT_BEFORE);
        List<String> ids = before ? List.of(NO_REINIT_BEFORE) : List.of(FLAGS_OUTPUT, INITIAL_BYTES);
        Optional<MigrationStream> fd = Optional.empty();
        try {
            fd = c.dev.reach(MigState.PRE_COPY);
            if (fd.isEmpty()) {
                ids.forEach(id -> c.notApplicable(id, "SET PRE_COPY returned no data_fd (see data-fd.RUNNING-PRE_COPY)"));
                return;
            }
            MigrationStream s = fd.get();
            PrecopyWatch w = PrecopyWatch.run(c, s, s.precopyInfo(flagsIn), flagsIn, PrecopyChecker.PRECOPY_CHUNK);
            String read = w.reads + " reads, " + w.drain.bytes() + " bytes"
                    + (w.error == null ? "" : ", then " + w.error.error().describe());
            if (before) {
                c.add(NO_REINIT_BEFORE, GROUP, "PRECOPY_INFO says no REINIT before the PRECOPY_INFOv2 opt-in",
                        Rule.REINIT_AFTER_OPT_IN, w.firstReinit == null ? Status.PASS : Status.FAIL,
                        (w.firstReinit == null ? "no REINIT in " : w.firstReinit + "; ") + read);
                return;
            }
            c.add(FLAGS_OUTPUT, GROUP, "after the opt-in PRECOPY_INFO's flags are output: 0, or REINIT",
                    Rule.PRECOPY_FLAGS_OUTPUT, w.otherFlags == null ? Status.PASS : Status.FAIL,
                    (w.otherFlags == null ? String.format("0x%x went in each time; none came back; ", flagsIn)
                            : w.otherFlags + " (the driver echoes the flags userspace passed in); ") + read);
            c.add(INITIAL_BYTES, GROUP, "after the opt-in initial_bytes grows only with REINIT",
                    Rule.INITIAL_BYTES, w.grew == null && w.error == null ? Status.PASS : Status.FAIL,
                    (w.grew == null ? "" : w.grew + "; ") + w.reinits + " REINIT"
                            + (w.firstReinit == null ? "" : " (first: " + w.firstReinit + ")") + "; " + read);
        } catch (VfioException e) {
            for (String id : ids) {
                c.add(id, GROUP, "PRE_COPY can be read with PRECOPY_INFO after every read", Rule.PRECOPY_INFO_STATES,
                        Status.FAIL, e.error().describe() + "; GET: " + c.dev.getText());
            }
        } finally {
            DeviceUnderTest.close(fd);
        }
    }
}
